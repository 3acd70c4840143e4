// The one place where SQLite's errors become kubemu's domain errors.

export type StorageErrorCode =
  | 'Locked'
  | 'NotFound'
  | 'Corrupt'
  | 'NotADatabase'
  | 'DiskFull'
  | 'ReadOnly'
  | 'CannotOpen'
  | 'IO'
  | 'WrongCluster'
  | 'SchemaTooNew'
  /** A read-only open of a file whose older schema only a writer may bring up to date. */
  | 'SchemaOutdated'
  | 'Unknown'

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly path: string,
    options?: {cause?: unknown},
  ) {
    super(message, options)
    this.name = 'StorageError'
  }
}

const sqliteCodes: ReadonlyArray<[prefix: string, code: StorageErrorCode, explanation: string]> = [
  ['SQLITE_BUSY', 'Locked', 'the database is locked by another process'],
  ['SQLITE_LOCKED', 'Locked', 'the database is locked'],
  ['SQLITE_CORRUPT', 'Corrupt', 'the database file is corrupt'],
  ['SQLITE_NOTADB', 'NotADatabase', 'the file is not a kubemu database (or it is encrypted or truncated)'],
  ['SQLITE_FULL', 'DiskFull', 'the disk is full'],
  ['SQLITE_READONLY', 'ReadOnly', 'the database is read-only'],
  ['SQLITE_CANTOPEN', 'CannotOpen', 'the database file cannot be opened'],
  ['SQLITE_IOERR', 'IO', 'an I/O error occurred'],
]

/** Runs a storage operation, turning any SQLite failure into a StorageError naming the file. */
export function translateSqliteError(path: string, error: unknown): never {
  if (error instanceof StorageError) throw error
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as {code: unknown}).code) : ''
  const message = error instanceof Error ? error.message : String(error)
  for (const [prefix, storageCode, explanation] of sqliteCodes) {
    if (code.startsWith(prefix)) throw new StorageError(storageCode, `${path}: ${explanation} (${message})`, path, {cause: error})
  }
  throw error
}

export function guarded<T>(path: string, operation: () => T): T {
  try {
    return operation()
  } catch (error) {
    translateSqliteError(path, error)
  }
}
