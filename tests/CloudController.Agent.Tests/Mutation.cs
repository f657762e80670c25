namespace CloudController.Agent.Tests;

/// <summary>Seeded corruption for fuzzing: flipped, overwritten, cut, inserted, duplicated or random bytes, never the input unchanged.</summary>
public static class Mutation
{
    public static byte[] Of(byte[] input, Random random)
    {
        var bytes = input.ToList();
        var edits = 1 + random.Next(4);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes.RemoveRange(at, random.Next(bytes.Count - at + 1)); break;
                case 3: bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256))); break;
                case 4 when bytes.Count > 0: bytes.InsertRange(at, bytes.GetRange(at, random.Next(bytes.Count - at))); break;
                default: bytes = [.. Enumerable.Range(0, random.Next(64)).Select(_ => (byte)random.Next(256))]; break;
            }
        }
        return bytes.SequenceEqual(input) ? [.. input, 0] : [.. bytes];
    }
}
