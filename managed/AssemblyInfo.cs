using System.Runtime.CompilerServices;

// Every P/Invoke signature is blittable (see bindings/); no runtime marshalling is needed or wanted.
[assembly: DisableRuntimeMarshalling]
