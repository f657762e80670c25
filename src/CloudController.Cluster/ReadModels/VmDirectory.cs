using System.Collections.Immutable;
using CloudController.Domain;
using CloudController.Domain.Vms;

namespace CloudController.Cluster.ReadModels;

/// <summary>
/// Every VM record, for listing: folded from the events that <see cref="Vms.VmActor"/> tags; and what its record's
/// events add to each VM's history (its provisioning-data generations, a loss).
/// </summary>
public sealed class VmDirectory : IProjection
{
    private readonly Dictionary<string, VmRecord> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableList<VmHistoryEntry>> _histories = new(StringComparer.Ordinal);

    public string Tag => Vms.VmActor.Tag;

    public void Apply(string persistenceId, object @event)
    {
        switch (@event)
        {
            case VmRecordCreated created:
                _vms[persistenceId] = created.Record;
                _histories.Remove(created.Record.VmId);
                break;
            case VmRecordRemoved when _vms.Remove(persistenceId, out var removed):
                _histories.Remove(removed.VmId);
                break;
            case IDomainEvent e when _vms.TryGetValue(persistenceId, out var record):
                _vms[persistenceId] = record.Apply(e);
                if (VmHistory.OfRecord(e) is { } entry)
                    _histories[record.VmId] = VmHistory.Add(_histories.GetValueOrDefault(record.VmId, []), entry);
                break;
        }
    }

    /// <summary>What the VM's record journaled for its history, oldest first.</summary>
    public IReadOnlyList<VmHistoryEntry> HistoryOf(string vmId) =>
        _histories.TryGetValue(vmId, out var history) ? history : [];

    public IReadOnlyList<VmRecord> List(string? hostId) =>
        _vms.Values
            .Where(v => string.IsNullOrEmpty(hostId) || v.HostId == hostId)
            .OrderBy(v => v.CreatedAt)
            .ThenBy(v => v.VmId, StringComparer.Ordinal)
            .ToList();
}
