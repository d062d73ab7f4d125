"""Classes registered under a name by a decorator: models, decoding strategies and
vocabulary types share this rule (the subclass is checked, a name registers once, the
class learns its name)."""

from collections.abc import Callable


def name_registrar(
    table: dict[str, type], kind: str, base: type, attribute: str = "name"
) -> Callable[[str], Callable[[type], type]]:
    """A `register(name)` class decorator that adds subclasses of `base` to `table` and
    sets the class's `attribute` to its name (Keras models keep `name` for instances,
    so models use another attribute)."""

    def register(name: str) -> Callable[[type], type]:
        def decorate(cls: type) -> type:
            if not (isinstance(cls, type) and issubclass(cls, base)):
                raise TypeError(f"a {kind} must subclass {base.__name__}, got {cls!r}")
            if name in table:
                raise ValueError(f"{kind} {name!r} is already registered")
            setattr(cls, attribute, name)
            table[name] = cls
            return cls

        return decorate

    return register
