using Apache.Arrow;
using Apache.Arrow.Types;

namespace PlasmaSharp.CrossLang;

/// <summary>The reference record batch every language builds and checks value by value
/// (same formulas in crosslang.cc, crosslang.js, crosslang.py): 257 rows of ints, floats,
/// strings, bools with nulls, a list column and UTC microsecond timestamps.</summary>
internal static class ReferenceBatch
{
    public const int Rows = 257;
    private const long TimestampBase = 1700000000000000;

    public static long Id64(int i) => i * 1000003L - 128000000L;
    public static int? I32(int i) => i % 7 == 3 ? null : i * i % 1000 - 500;
    public static double? F64(int i) => i % 11 == 5 ? null : i * 0.25 - 10.5;
    public static string? Text(int i) => i % 13 == 0 ? null : $"row {i}" + (i % 5 == 0 ? " \u00e9\u2713" : "");
    public static bool? Flag(int i) => i % 5 == 4 ? null : i % 3 == 0;
    public static int[]? Items(int i) => i % 17 == 16 ? null : Enumerable.Range(i, i % 4).ToArray();
    public static long? Ts(int i) => i % 19 == 18 ? null : TimestampBase + i * 1000001L;

    private static readonly TimestampType TimestampUtcMicros = new(TimeUnit.Microsecond, "UTC");

    public static RecordBatch Build()
    {
        var id64 = new Int64Array.Builder();
        var i32 = new Int32Array.Builder();
        var f64 = new DoubleArray.Builder();
        var text = new StringArray.Builder();
        var flag = new BooleanArray.Builder();
        var items = new ListArray.Builder(Int32Type.Default);
        var itemValues = (Int32Array.Builder)items.ValueBuilder;
        var ts = new TimestampArray.Builder(TimestampUtcMicros);
        for (int i = 0; i < Rows; i++)
        {
            id64.Append(Id64(i));
            if (I32(i) is int a) i32.Append(a); else i32.AppendNull();
            if (F64(i) is double d) f64.Append(d); else f64.AppendNull();
            if (Text(i) is string s) text.Append(s); else text.AppendNull();
            if (Flag(i) is bool b) flag.Append(b); else flag.AppendNull();
            if (Items(i) is int[] list)
            {
                items.Append();
                foreach (int v in list) itemValues.Append(v);
            }
            else
            {
                items.AppendNull();
            }
            // One tick is 100 ns, so whole microseconds round-trip exactly.
            if (Ts(i) is long micros) ts.Append(DateTimeOffset.UnixEpoch.AddTicks(micros * 10)); else ts.AppendNull();
        }
        var schema = new Schema.Builder()
            .Field(f => f.Name("id64").DataType(Int64Type.Default).Nullable(false))
            .Field(f => f.Name("i32").DataType(Int32Type.Default).Nullable(true))
            .Field(f => f.Name("f64").DataType(DoubleType.Default).Nullable(true))
            .Field(f => f.Name("text").DataType(StringType.Default).Nullable(true))
            .Field(f => f.Name("flag").DataType(BooleanType.Default).Nullable(true))
            .Field(f => f.Name("items").DataType(new ListType(Int32Type.Default)).Nullable(true))
            .Field(f => f.Name("ts").DataType(TimestampUtcMicros).Nullable(true))
            .Build();
        IArrowArray[] arrays = [id64.Build(), i32.Build(), f64.Build(), text.Build(), flag.Build(), items.Build(), ts.Build()];
        return new RecordBatch(schema, arrays, Rows);
    }

    /// <summary>Checks the schema and every value of every row; batches may split the rows.</summary>
    public static void Check(IReadOnlyList<RecordBatch> batches, string name)
    {
        if (batches.Count == 0) throw new CheckFailed($"{name}: no record batch in the stream");
        string[] names = ["id64", "i32", "f64", "text", "flag", "items", "ts"];
        Schema schema = batches[0].Schema;
        string got = string.Join(",", schema.FieldsList.Select(f => f.Name));
        if (got != string.Join(",", names)) throw new CheckFailed($"{name}: columns {got}");
        CheckType(schema, 0, ArrowTypeId.Int64, name);
        CheckType(schema, 1, ArrowTypeId.Int32, name);
        CheckType(schema, 2, ArrowTypeId.Double, name);
        CheckType(schema, 3, ArrowTypeId.String, name);
        CheckType(schema, 4, ArrowTypeId.Boolean, name);
        CheckType(schema, 5, ArrowTypeId.List, name);
        CheckType(schema, 6, ArrowTypeId.Timestamp, name);
        if (schema.GetFieldByIndex(5).DataType is not ListType { ValueDataType.TypeId: ArrowTypeId.Int32 })
            throw new CheckFailed($"{name}: items is not list<int32>");
        if (schema.GetFieldByIndex(6).DataType is not TimestampType { Unit: TimeUnit.Microsecond, Timezone: "UTC" or "+00:00" } tsType)
            throw new CheckFailed($"{name}: ts is {schema.GetFieldByIndex(6).DataType.Name}, expected timestamp[us, UTC]");

        int row = 0;
        foreach (RecordBatch batch in batches)
        {
            var id64 = (Int64Array)batch.Column(0);
            var i32 = (Int32Array)batch.Column(1);
            var f64 = (DoubleArray)batch.Column(2);
            var text = (StringArray)batch.Column(3);
            var flag = (BooleanArray)batch.Column(4);
            var items = (ListArray)batch.Column(5);
            var ts = (TimestampArray)batch.Column(6);
            for (int j = 0; j < batch.Length; j++, row++)
            {
                if (row >= Rows) throw new CheckFailed($"{name}: more than {Rows} rows");
                Expect(name, "id64", row, id64.GetValue(j), Id64(row));
                Expect(name, "i32", row, i32.GetValue(j), I32(row));
                Expect(name, "f64", row, f64.GetValue(j), F64(row));
                Expect(name, "text", row, text.IsNull(j) ? null : text.GetString(j), Text(row));
                Expect(name, "flag", row, flag.GetValue(j), Flag(row));
                string? gotItems = null;
                if (!items.IsNull(j))
                {
                    var values = (Int32Array)items.Values;
                    int start = items.ValueOffsets[j], end = items.ValueOffsets[j + 1];
                    gotItems = string.Join(",", Enumerable.Range(start, end - start).Select(k => values.GetValue(k)?.ToString() ?? "null"));
                }
                int[]? wantItems = Items(row);
                Expect(name, "items", row, gotItems, wantItems is null ? null : string.Join(",", wantItems));
                Expect(name, "ts", row, ts.IsNull(j) ? null : ts.Values[j], Ts(row));
            }
        }
        if (row != Rows) throw new CheckFailed($"{name}: {row} rows, expected {Rows}");
    }

    private static void CheckType(Schema schema, int index, ArrowTypeId expected, string name)
    {
        ArrowTypeId got = schema.GetFieldByIndex(index).DataType.TypeId;
        if (got != expected) throw new CheckFailed($"{name}: column {index} is {got}, expected {expected}");
    }

    private static void Expect<T>(string name, string column, int row, T got, T expected)
    {
        if (!EqualityComparer<T>.Default.Equals(got, expected))
            throw new CheckFailed($"{name}: {column}[{row}] is {got?.ToString() ?? "null"}, expected {expected?.ToString() ?? "null"}");
    }
}
