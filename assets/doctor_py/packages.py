"""What is installed in this interpreter: import specs, distributions and their versions.
Never raises: an unknown answer is None."""
import importlib.util
import sys


def _metadata():
    try:
        from importlib import metadata  # Python 3.8+
        return metadata
    except ImportError:
        try:
            import importlib_metadata as metadata  # the backport, when a project has it
            return metadata
        except ImportError:
            return None


def find_spec(name):
    """The import spec of a top-level or dotted module without importing it (parents of a
    dotted name are imported by find_spec, so only ask after the parent is known)."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    except Exception:
        return None


def is_installed(name):
    return find_spec(name) is not None


def origin(name):
    spec = find_spec(name)
    if spec is None:
        return None
    path = spec.origin
    if path in (None, "built-in", "frozen", "namespace"):
        locations = list(spec.submodule_search_locations or [])
        return locations[0] if locations else None
    return path


def distribution_version(name):
    metadata = _metadata()
    if metadata is None:
        return None
    try:
        return metadata.version(name)
    except Exception:
        return None


def module_version(module_name):
    """Fallback when package metadata is missing (vendored or old installs)."""
    module = sys.modules.get(module_name)
    if module is None:
        return None
    version = getattr(module, "__version__", None)
    return str(version) if version else None


def distribution_of(top_level):
    """The distribution (pip name) that installs import package `top_level`, e.g.
    rest_framework -> djangorestframework."""
    metadata = _metadata()
    if metadata is None:
        return None
    mapping = getattr(metadata, "packages_distributions", None)
    if mapping is not None:  # Python 3.10+
        try:
            names = mapping().get(top_level) or []
            if names:
                return names[0]
        except Exception:
            pass
    try:
        for dist in metadata.distributions():
            top = dist.read_text("top_level.txt") or ""
            if top_level in top.split():
                return dist.metadata["Name"]
            for file in dist.files or []:
                parts = str(file).replace("\\", "/").split("/")
                if parts[0] == top_level or parts[0] == top_level + ".py":
                    return dist.metadata["Name"]
    except Exception:
        pass
    return None
