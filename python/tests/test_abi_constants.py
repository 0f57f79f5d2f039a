"""The package's copy of the C ABI's constants (plasmasharp/_abi.py) equals the header's.

The header is read from the source tree (native/include/plasmasharp.h); a run without the source
tree reports skipped with the reason.
"""
import os
import re

import pytest

from plasmasharp import _abi, errors

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "native", "include",
                      "plasmasharp.h")


def header_defines():
    if not os.path.exists(HEADER):
        pytest.skip("the C header is not here (%s): not run from the source tree" % HEADER)
    with open(HEADER) as f:
        return {name: int(value) for name, value in
                re.findall(r"^#define (PS_[A-Z0-9_]+)\s+(-?\d+)\b", f.read(), re.MULTILINE)}


def test_every_numeric_define_of_the_header_has_its_python_value():
    defines = header_defines()
    assert "PS_OK" in defines and "PS_OBJECT_ID_SIZE" in defines  # the pattern still matches
    python_names = {"PS_OBJECT_ID_SIZE": "OBJECT_ID_SIZE", "PS_DIGEST_SIZE": "DIGEST_SIZE"}
    for name, value in defines.items():
        attr = python_names.get(name, name)
        assert getattr(_abi, attr, None) == value, "%s: header %d, plasmasharp/_abi.py %r" % (
            name, value, getattr(_abi, attr, None))


def test_the_python_copy_has_nothing_the_header_lacks():
    defines = header_defines()
    ours = {name for name in vars(_abi) if name.startswith("PS_")}
    assert ours <= set(defines)


def test_every_error_code_maps_to_an_exception():
    codes = {value for name, value in vars(_abi).items() if name.startswith("PS_") and value != _abi.PS_OK}
    assert codes == set(errors.BY_CODE)
