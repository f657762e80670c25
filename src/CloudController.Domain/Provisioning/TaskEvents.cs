using System.Collections.Immutable;
using CloudController.Domain.AppLibrary;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Provisioning;

/// <summary>An app to install at deploy, with its answer-file template and the values the requester gave for it.</summary>
public sealed record AppInstall(string App, AnswerFileTemplate? AnswerFile, ImmutableDictionary<string, string> Answers);

/// <summary>
/// A task was accepted. It carries everything the steps need, so that a task resumed after a crash does not depend
/// on catalog entries that may have changed since. <paramref name="RequestedBy"/> is the user who asked (null when
/// access control is off, for the controller's own tasks, and in events journaled before it was recorded).
/// </summary>
public sealed record TaskCreated(
    string TaskId,
    TaskKind Kind,
    VmRecord Vm,
    string BaseImage,
    long BaseImageGib,
    DateTimeOffset At,
    ImmutableList<AppInstall>? Apps = null,
    Catalog.InstantImage? Instant = null,
    string? TargetHostId = null,
    string? RequestedBy = null) : IDomainEvent;

/// <summary>
/// Placement chose a host; persisted before the host is asked, so a rollback knows where to release. A VM whose
/// memory may shrink to a minimum records what it was granted there.
/// </summary>
public sealed record HostChosen(string HostId, string Explanation, DateTimeOffset At, long? GrantedMemoryMib = null) : IDomainEvent;

/// <summary>The chosen host refused the reservation (it filled up meanwhile); placement runs again without it.</summary>
public sealed record HostRefused(string HostId, string Reason, DateTimeOffset At) : IDomainEvent;

public sealed record StepCompleted(TaskStep Step, DateTimeOffset At) : IDomainEvent;

public sealed record StepFailed(TaskStep Step, string Error, DateTimeOffset At) : IDomainEvent;

public sealed record AbortRequested(string Reason, DateTimeOffset At) : IDomainEvent;

public sealed record StepUndone(TaskStep Step, DateTimeOffset At) : IDomainEvent;

public sealed record TaskFinished(TaskState Outcome, DateTimeOffset At) : IDomainEvent;
