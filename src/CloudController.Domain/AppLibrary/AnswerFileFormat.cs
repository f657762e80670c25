namespace CloudController.Domain.AppLibrary;

/// <summary>The syntax an installer's answer file is in, which decides how a value is escaped into it.</summary>
public enum AnswerFileFormat
{
    /// <summary>key=value lines: a value may not break the line.</summary>
    Ini,
    /// <summary>XML (e.g. an unattend file): markup characters become entities.</summary>
    Xml,
    /// <summary>A shell script: each value becomes one single-quoted word.</summary>
    Shell,
}
