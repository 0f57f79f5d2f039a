namespace PlasmaSharp.Tests;

public class ObjectIdTests
{
    [Fact]
    public void Hex_round_trip_is_40_lowercase_digits()
    {
        ObjectId id = ObjectId.NewRandom();
        string hex = id.ToString();
        Assert.Equal(40, hex.Length);
        Assert.Equal(hex.ToLowerInvariant(), hex);
        Assert.Equal(id, ObjectId.Parse(hex));
        Assert.Equal(id, ObjectId.Parse(hex.ToUpperInvariant()));
    }

    [Fact]
    public void Bytes_round_trip_and_equality()
    {
        byte[] bytes = "get-present........."u8.ToArray();
        ObjectId a = ObjectId.FromBytes(bytes);
        ObjectId b = ObjectId.FromBytes(bytes);
        Assert.Equal(bytes, a.ToByteArray());
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(Convert.ToHexStringLower(bytes), a.ToString());
        Assert.NotEqual(a, ObjectId.NewRandom());
        Assert.NotEqual(ObjectId.NewRandom(), ObjectId.NewRandom());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    [InlineData(21)]
    public void Wrong_length_is_an_ArgumentException(int length)
    {
        Assert.Throws<ArgumentException>(() => ObjectId.FromBytes(new byte[length]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000")]
    [InlineData("000000000000000000000000000000000000000000")]
    public void Bad_hex_is_rejected(string text)
    {
        Assert.False(ObjectId.TryParse(text, out _));
        Assert.Throws<ArgumentException>(() => ObjectId.Parse(text));
    }

    [Fact]
    public void Layout_is_exactly_the_20_raw_bytes()
    {
        Assert.Equal(20, System.Runtime.CompilerServices.Unsafe.SizeOf<ObjectId>());
        ObjectId[] ids = [ObjectId.NewRandom(), ObjectId.NewRandom()];
        ReadOnlySpan<byte> raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes<ObjectId>(ids);
        Assert.Equal(ids[1].ToByteArray(), raw.Slice(20, 20).ToArray());
    }
}
