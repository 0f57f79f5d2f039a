using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PlasmaSharp;

/// <summary>A Plasma object id: exactly 20 bytes. Its memory layout is the 20 raw bytes, so a
/// span of ids is passed to the native library as n*20 contiguous bytes without copying.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4, Size = Size)]
public readonly struct ObjectId : IEquatable<ObjectId>
{
    /// <summary>The size of an id in bytes (20).</summary>
    public const int Size = 20;

    // 8 + 8 + 4 bytes, in memory order; only ever read/written as raw bytes.
    private readonly ulong _first;
    private readonly ulong _second;
    private readonly uint _third;

    /// <summary>A new id of 20 cryptographically random bytes.</summary>
    public static ObjectId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return MemoryMarshal.Read<ObjectId>(bytes);
    }

    /// <summary>The id made of exactly these 20 bytes.</summary>
    /// <param name="bytes">20 bytes.</param>
    /// <exception cref="ArgumentException">The span is not 20 bytes long.</exception>
    public static ObjectId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"An ObjectId is exactly {Size} bytes; got {bytes.Length}.", nameof(bytes));
        return MemoryMarshal.Read<ObjectId>(bytes);
    }

    /// <summary>Parses 40 hexadecimal digits (either case).</summary>
    /// <param name="hex">40 hex digits.</param>
    /// <exception cref="ArgumentNullException"><paramref name="hex"/> is null.</exception>
    /// <exception cref="ArgumentException">Not 40 hex digits.</exception>
    public static ObjectId Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, out ObjectId id))
            throw new ArgumentException($"An ObjectId is written as {Size * 2} hex digits; got \"{hex}\".", nameof(hex));
        return id;
    }

    /// <summary>Parses 40 hexadecimal digits; false when <paramref name="hex"/> is anything else.</summary>
    /// <param name="hex">The text to parse.</param>
    /// <param name="id">The parsed id, or default.</param>
    public static bool TryParse([NotNullWhen(true)] string? hex, out ObjectId id)
    {
        id = default;
        if (hex is null || hex.Length != Size * 2) return false;
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != Size)
            return false;
        id = MemoryMarshal.Read<ObjectId>(bytes);
        return true;
    }

    /// <summary>Copies the 20 bytes into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 20 bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException($"The destination needs {Size} bytes.", nameof(destination));
        MemoryMarshal.Write(destination, in this);
    }

    /// <summary>The 20 bytes as a new array.</summary>
    public byte[] ToByteArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>40 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>True when both ids have the same 20 bytes.</summary>
    /// <param name="other">The other id.</param>
    public bool Equals(ObjectId other) => _first == other._first && _second == other._second && _third == other._third;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ObjectId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_first, _second, _third);

    /// <summary>Equality of the 20 bytes.</summary>
    /// <param name="left">One id.</param>
    /// <param name="right">The other id.</param>
    public static bool operator ==(ObjectId left, ObjectId right) => left.Equals(right);

    /// <summary>Inequality of the 20 bytes.</summary>
    /// <param name="left">One id.</param>
    /// <param name="right">The other id.</param>
    public static bool operator !=(ObjectId left, ObjectId right) => !left.Equals(right);
}
