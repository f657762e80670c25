using CloudController.Domain;
using CloudController.Domain.Vms;

namespace CloudController.Cluster.ReadModels;

/// <summary>Every VM record, for listing: folded from the events that <see cref="Vms.VmActor"/> tags.</summary>
public sealed class VmDirectory : IProjection
{
    private readonly Dictionary<string, VmRecord> _vms = new(StringComparer.Ordinal);

    public string Tag => Vms.VmActor.Tag;

    public void Apply(string persistenceId, object @event)
    {
        switch (@event)
        {
            case VmRecordCreated created:
                _vms[persistenceId] = created.Record;
                break;
            case VmRecordRemoved:
                _vms.Remove(persistenceId);
                break;
            case IDomainEvent e when _vms.TryGetValue(persistenceId, out var record):
                _vms[persistenceId] = record.Apply(e);
                break;
        }
    }

    public IReadOnlyList<VmRecord> List(string? hostId) =>
        _vms.Values
            .Where(v => string.IsNullOrEmpty(hostId) || v.HostId == hostId)
            .OrderBy(v => v.CreatedAt)
            .ThenBy(v => v.VmId, StringComparer.Ordinal)
            .ToList();
}
