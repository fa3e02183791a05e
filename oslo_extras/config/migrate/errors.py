"""The one error the migration raises."""


class MigrationError(Exception):
    """A file could not be read, parsed or written.

    The message names the file (and line) and says which files, if any,
    were changed; it never quotes a value.
    """
