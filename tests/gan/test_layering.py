"""minigan.gan trains GANs and stays below the layers that use it: no file of it imports data,
metrics, plots, run directories or the command line (imports point downwards only)."""
import ast
from pathlib import Path

import pytest

import minigan

PACKAGE_ROOT = Path(minigan.__file__).parent
ABOVE_GAN = ("minigan.data", "minigan.metrics", "minigan.plots", "minigan.runs", "minigan.cli",
             "minigan.image_demo", "minigan.sample", "minigan.trace", "minigan.__main__")


def module_name(path):
    """'minigan.gan.trainer' for minigan/gan/trainer.py, 'minigan.gan' for its __init__.py."""
    parts = ("minigan",) + path.relative_to(PACKAGE_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source, module, is_package=False):
    """Every module name an import statement anywhere in ``source`` (of ``module``) may load, relative
    imports resolved: ``from .. import cli`` in minigan.gan.x yields 'minigan' and 'minigan.cli'."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            base = ".".join(base + ([node.module] if node.module else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def upward(names):
    return sorted({n for n in names if any(n == top or n.startswith(top + ".") for top in ABOVE_GAN)})


@pytest.mark.parametrize("source, module, found", [
    ("from ..cli import write_json", "minigan.gan.x", ["minigan.cli", "minigan.cli.write_json"]),
    ("from .. import plots", "minigan.gan.x", ["minigan.plots"]),
    ("def f():\n    from ..data.fashion_mnist import CLASSES", "minigan.gan.x",
     ["minigan.data.fashion_mnist", "minigan.data.fashion_mnist.CLASSES"]),
    ("import minigan.metrics.score", "minigan.gan.x", ["minigan.metrics.score"]),
    ("from .trainer import GANTrainer\nfrom ..nn import Dense", "minigan.gan.x", []),
    ("from .checkpoint import save_checkpoint", "minigan.gan", []),
])
def test_the_import_reader_sees_relative_absolute_and_nested_imports(source, module, found):
    assert upward(imported_modules(source, module, is_package=module == "minigan.gan")) == found


@pytest.mark.parametrize("path", sorted((PACKAGE_ROOT / "gan").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_no_gan_module_imports_a_layer_above_it(path):
    names = imported_modules(path.read_text(), module_name(path), is_package=path.name == "__init__.py")
    assert upward(names) == [], f"{path.relative_to(PACKAGE_ROOT)} imports from above minigan.gan"
