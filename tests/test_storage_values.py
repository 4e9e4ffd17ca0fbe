"""The values the storage layer hands out cannot be changed by whoever receives them.

Every dataclass a module of ``oefenkit/storage`` defines (a rating, an expert score, an exam attempt,
a certificate, a library item, …) is frozen: an app page that kept one and changed a field would
otherwise show something the database does not hold, and could pass it back to a verb as if stored.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import oefenkit.storage

MODULES = sorted(m.name for m in pkgutil.iter_modules(oefenkit.storage.__path__, "oefenkit.storage.")
                 if not m.ispkg)


def _dataclasses_of(module_name: str) -> list[type]:
    module = importlib.import_module(module_name)
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if dataclasses.is_dataclass(cls) and cls.__module__ == module_name]


def test_the_storage_layer_defines_value_classes():
    """Are there value classes to check (so the test below cannot pass on an empty list)?"""
    names = {cls.__name__ for name in MODULES for cls in _dataclasses_of(name)}
    assert {"RatingInfo", "ExpertScoreInfo", "LibraryItem"} <= names, names


@pytest.mark.parametrize("module_name", MODULES)
def test_every_value_class_is_frozen(module_name):
    """Does assigning to a field of any of the module's dataclasses raise FrozenInstanceError?"""
    for cls in _dataclasses_of(module_name):
        assert cls.__dataclass_params__.frozen, f"{module_name}.{cls.__name__} is not frozen"
        fields = dataclasses.fields(cls)
        if fields:
            instance = object.__new__(cls)  # no constructor call: only the frozen __setattr__ is tested
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(instance, fields[0].name, None)
