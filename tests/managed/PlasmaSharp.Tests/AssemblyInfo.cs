// Plasma is Unix-domain sockets + shared memory: the suite runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
