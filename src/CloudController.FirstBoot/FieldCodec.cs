using System.Buffers.Binary;

namespace CloudController.FirstBoot;

/// <summary>
/// Length-prefixed fields: a canonical byte form whose meaning never depends on field order in a text format, so
/// what is signed (or sealed) is exactly what is read back.
/// </summary>
internal static class FieldCodec
{
    public static byte[] Join(params byte[][] fields)
    {
        var buffer = new byte[fields.Sum(f => 4 + f.Length)];
        var at = 0;
        foreach (var field in fields)
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(at), field.Length);
            field.CopyTo(buffer, at + 4);
            at += 4 + field.Length;
        }
        return buffer;
    }

    public static byte[][] Split(byte[] buffer, int expected)
    {
        var fields = new byte[expected][];
        var at = 0;
        for (var i = 0; i < expected; i++)
        {
            if (buffer.Length - at < 4) throw new FormatException("truncated");
            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(at));
            if (length < 0 || length > buffer.Length - at - 4) throw new FormatException("a field runs past the end");
            fields[i] = buffer.AsSpan(at + 4, length).ToArray();
            at += 4 + length;
        }
        if (at != buffer.Length) throw new FormatException("trailing bytes");
        return fields;
    }

    // Strict: a malformed sequence would decode to U+FFFD and read back as a different string than was written.
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Utf8(string value) => StrictUtf8.GetBytes(value);

    public static string Text(byte[] value)
    {
        try
        {
            return StrictUtf8.GetString(value);
        }
        catch (ArgumentException)
        {
            throw new FormatException("a text field is not UTF-8");
        }
    }

    public static Guid Guid(byte[] value) =>
        value.Length == 16 ? new Guid(value) : throw new FormatException($"a GUID field is {value.Length} bytes, not 16");
}
