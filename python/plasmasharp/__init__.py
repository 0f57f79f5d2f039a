"""PlasmaSharp for Python: a client of Plasma stores (PlasmaSharp's own or Apache Arrow's, 0.17-11.0).

`plasmasharp.plasma` is pyarrow 11's `pyarrow.plasma` API over PlasmaSharp's native library, so
porting a pyarrow.plasma program is one line: `import plasmasharp.plasma as plasma`.
"""

__version__ = "0.1.0"
