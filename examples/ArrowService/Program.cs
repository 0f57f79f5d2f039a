// ArrowService: POST an Arrow IPC stream, get back the id of the Plasma object it was stored in;
// GET that id for the stream. Any Plasma client (pyarrow.plasma, the plasmasharp Python package,
// C++) reads the same object from the store's socket without a copy. README.md beside this file.
using PlasmaSharp.Examples.ArrowService;

ArrowServiceApp.Build(args).Run();
