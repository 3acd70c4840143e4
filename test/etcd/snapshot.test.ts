// Snapshot save → restore → a running cluster: the data survives, revisions continue, and a
// tampered snapshot is refused unless the hash check is skipped.
import {copyFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster, memberDatabasePath} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {procfileMembers, procfileToken} from '../../src/core/etcd/layout.js'
import {SnapshotError, defragmentDataFolder, restoreSnapshot, restoredDatabasePath, saveSnapshot, snapshotStatus} from '../../src/core/etcd/snapshot.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const initialCluster = procfileMembers.map((member) => `${member.name}=${member.peerUrl}`).join(',')

async function populatedSnapshot(): Promise<string> {
  const folder = temporaryFolder()
  const client = new EmbeddedClient(EmbeddedCluster.open(folder, {clock: new ManualClock(), seed: 7}), {endpoint: 'infra2'})
  for (let index = 0; index < 20; index++) await client.kv.put({key: bytes(`/k/${index % 7}`), value: bytes(`v${index}`)})
  await client.kv.deleteRange({key: bytes('/k/0')})
  await client.auth.userAdd('alice', 'secret')
  const path = join(temporaryFolder(), 'snap.db')
  await saveSnapshot(client, path)
  await client.close()
  return path
}

/** Restores the snapshot as each of the Procfile's members, into a cluster folder of their databases. */
function restoredCluster(path: string, options: {skipHashCheck: boolean; defragment: boolean}): string {
  const work = temporaryFolder()
  const clusterFolder = join(temporaryFolder(), 'restored')
  mkdirSync(clusterFolder)
  for (const member of procfileMembers) {
    const dataDir = join(work, `${member.name}.etcd`)
    restoreSnapshot(path, {name: member.name, initialCluster, initialClusterToken: procfileToken, dataDir, skipHashCheck: options.skipHashCheck})
    if (options.defragment) defragmentDataFolder(dataDir)
    copyFileSync(restoredDatabasePath(dataDir), memberDatabasePath(clusterFolder, member.name))
  }
  return clusterFolder
}

describe('etcdctl snapshot', () => {
  it('status reports the revision and the keys of etcd buckets', async () => {
    const path = await populatedSnapshot()
    const status = snapshotStatus(path)
    expect(status.revision).toBe(22)
    // 21 revisions, consistent_index, 3 members, clusterVersion, authRevision, one user.
    expect(status.totalKey).toBe(21 + 1 + 3 + 1 + 1 + 1)
    expect(status.totalSize).toBeGreaterThan(0)
    expect(snapshotStatus(path).hash).toBe(status.hash)
  })

  it('restored members form a cluster that serves the data and goes on from its revision', async () => {
    const path = await populatedSnapshot()
    // etcdctl defrag --data-dir works on a restored folder before any member runs on it.
    const clusterFolder = restoredCluster(path, {skipHashCheck: false, defragment: true})
    const client = new EmbeddedClient(EmbeddedCluster.open(clusterFolder, {clock: new ManualClock(), seed: 3}), {endpoint: 'infra3'})
    const listed = await client.kv.range({key: bytes('/k/'), rangeEnd: bytes('/k0')})
    expect(listed.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`)).toEqual(['/k/1=v15', '/k/2=v16', '/k/3=v17', '/k/4=v18', '/k/5=v19', '/k/6=v13'])
    const put = await client.kv.put({key: bytes('after'), value: bytes('restore')})
    expect(put.header.revision).toBe(23)
    expect((await client.auth.userList()).users).toEqual(['alice'])
    expect((await client.cluster.memberList()).members.map((member) => member.name)).toEqual(['infra1', 'infra2', 'infra3'])
    await client.close()
  })

  it('reads and restores a snapshot file in the layout of schema version 2', async () => {
    const path = await populatedSnapshot()
    const status = snapshotStatus(path)
    // The same content as version 2 laid it out: revision and sub-revision in columns of their own, kv repeating each key's columns, raft's hard state in a table.
    const database = new Database(path)
    database.exec(`
      DROP INDEX kv_by_lease; DROP INDEX kv_history_by_key_id;
      ALTER TABLE kv RENAME TO kv_now; ALTER TABLE kv_history RENAME TO kv_history_now;
      CREATE TABLE kv_history (id INTEGER PRIMARY KEY, revision INTEGER NOT NULL, sub_revision INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, create_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, tombstone INTEGER NOT NULL, UNIQUE (revision, sub_revision));
      CREATE INDEX kv_history_by_key ON kv_history (key, revision, sub_revision);
      CREATE TABLE kv (key BLOB NOT NULL UNIQUE, history_id INTEGER NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL);
      CREATE INDEX kv_by_lease ON kv (lease) WHERE lease != 0;
      INSERT INTO kv_history (revision, sub_revision, key, value, create_revision, version, lease, tombstone)
        SELECT id >> 24, id & 16777215, key, value, create_revision, version, lease, tombstone FROM kv_history_now ORDER BY id;
      INSERT INTO kv SELECT k.key, h.id, h.create_revision, h.revision, h.version, k.lease FROM kv_now k JOIN kv_history h ON h.revision = k.history_id >> 24 AND h.sub_revision = k.history_id & 16777215;
      DROP TABLE kv_now; DROP TABLE kv_history_now; DROP TABLE kv_deleted;
      CREATE TABLE raft_hard_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 0), term INTEGER NOT NULL, vote TEXT NOT NULL, commit_index INTEGER NOT NULL);
      PRAGMA user_version = 2;`)
    database.close()
    expect(snapshotStatus(path)).toEqual({...status, totalSize: expect.any(Number)})
    // The file's SHA-256 covers the tables as version 2 wrote them, which this fixture does not recompute.
    const clusterFolder = restoredCluster(path, {skipHashCheck: true, defragment: false})
    const client = new EmbeddedClient(EmbeddedCluster.open(clusterFolder, {clock: new ManualClock(), seed: 3}), {endpoint: 'infra1'})
    const listed = await client.kv.range({key: bytes('/k/'), rangeEnd: bytes('/k0')})
    expect(listed.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}@${kv.modRevision}`)).toEqual(['/k/1=v15@17', '/k/2=v16@18', '/k/3=v17@19', '/k/4=v18@20', '/k/5=v19@21', '/k/6=v13@15'])
    expect(text((await client.kv.range({key: bytes('/k/1'), revision: 3})).kvs[0]!.value)).toBe('v1')
    expect((await client.kv.put({key: bytes('after'), value: bytes('restore')})).header.revision).toBe(23)
    await client.close()
  })

  it('refuses a tampered snapshot, an existing data folder and a name outside the cluster', async () => {
    const path = await populatedSnapshot()
    const work = temporaryFolder()
    const options = {name: 'infra1', initialCluster, initialClusterToken: procfileToken, skipHashCheck: false}
    restoreSnapshot(path, {...options, dataDir: join(work, 'first')})
    expect(() => restoreSnapshot(path, {...options, dataDir: join(work, 'first')})).toThrow('data-dir')
    expect(() => defragmentDataFolder(join(work, 'missing'))).toThrow('cannot open database')
    expect(() => restoreSnapshot(path, {...options, name: 'infra9', dataDir: join(work, 'x')})).toThrow('couldn\'t find local name "infra9"')
    const database = new Database(path)
    database.prepare("UPDATE kv_history SET value = CAST('forged' AS BLOB) WHERE key = CAST('/k/1' AS BLOB)").run()
    database.close()
    expect(() => restoreSnapshot(path, {...options, dataDir: join(work, 'tampered')})).toThrow(SnapshotError)
    expect(() => restoreSnapshot(path, {...options, dataDir: join(work, 'tampered')})).toThrow(/expected sha256/)
    restoreSnapshot(path, {...options, dataDir: join(work, 'skipped'), skipHashCheck: true})
  })
})
