// etcdctl compaction, member list, endpoint health.
import type {EtcdctlClient} from '../verb.js'
import {EtcdError, UnreachableEndpointError, clientErrorText, etcdErrors} from '../../mvcc/errors.js'
import {type EndpointHealth, type EndpointHash, type EndpointStatus, printEndpointHashKv, printEndpointHealth, printEndpointStatus, printMemberAdded, printMemberList} from '../../printers/etcdctl-cluster.js'
import {type Verb, ExitError, exitCodes, flag, isSet, ReportedExitError} from '../verb.js'
import {memberForEndpoint} from '../endpoints.js'
import {reportUnreachable} from '../retry-warning.js'

export const clusterVerbs: Record<string, Verb> = {
  compaction: {
    flags: [{name: 'physical', kind: 'bool', defaultValue: 'false'}],
    async run({flags, io, withClient}) {
      if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'compaction command needs 1 argument')
      const text = flags.positionals[0]!
      if (!/^[-+]?\d+$/.test(text)) throw new ExitError(exitCodes.error, `strconv.ParseInt: parsing "${text}": invalid syntax`)
      const revision = Number(text)
      await withClient(async (client) => {
        await client.kv.compact({revision, physical: isSet(flags, 'physical')})
        io.stdout(`compacted revision ${revision}\n`)
      })
      return exitCodes.success
    },
  },
  member: {
    flags: [
      {name: 'peer-urls', kind: 'string', defaultValue: ''},
      {name: 'learner', kind: 'bool', defaultValue: 'false'},
    ],
    async run({flags, io, format, withClient}) {
      const [sub, argument] = flags.positionals
      // Go's %16x pads with spaces.
      const hex = (id: bigint) => id.toString(16).padStart(16, ' ')
      const peerUrls = () => {
        const urls = flag(flags, 'peer-urls')
        if (urls === '') throw new ExitError(exitCodes.badArgs, 'member peer urls not provided')
        return urls.split(',')
      }
      const memberId = () => {
        if (argument === undefined) throw new ExitError(exitCodes.badArgs, 'member ID is not provided')
        if (!/^[0-9a-fA-F]{1,16}$/.test(argument)) throw new ExitError(exitCodes.badArgs, `bad member ID arg (strconv.ParseUint: parsing "${argument}": invalid syntax), expecting ID in Hex`)
        return BigInt(`0x${argument}`)
      }
      switch (sub) {
        case 'list':
          await withClient(async (client) => {
            const response = await client.cluster.memberList()
            io.stdout(printMemberList(response.header, response.members, format))
          })
          return exitCodes.success
        case 'add': {
          if (argument === undefined) throw new ExitError(exitCodes.badArgs, 'member name not provided')
          const urls = peerUrls()
          await withClient(async (client) => {
            const response = await client.cluster.memberAdd(urls, isSet(flags, 'learner'), argument)
            io.stdout(printMemberAdded(response.header.clusterId, response.member, argument, response.members))
          })
          return exitCodes.success
        }
        case 'update': {
          const id = memberId()
          const urls = peerUrls()
          await withClient(async (client) => {
            const response = await client.cluster.memberUpdate(id, urls)
            io.stdout(`Member ${hex(id)} updated in cluster ${hex(response.header.clusterId)}\n`)
          })
          return exitCodes.success
        }
        case 'remove':
        case 'promote': {
          const id = memberId()
          await withClient(async (client) => {
            const response = sub === 'remove' ? await client.cluster.memberRemove(id) : await client.cluster.memberPromote(id)
            io.stdout(`Member ${hex(id)} ${sub === 'remove' ? 'removed from' : 'promoted in'} cluster ${hex(response.header.clusterId)}\n`)
          })
          return exitCodes.success
        }
        default:
          throw new ExitError(exitCodes.badArgs, `unknown command "${sub ?? ''}" for "etcdctl member"`)
      }
    },
  },
  endpoint: {
    flags: [
      {name: 'cluster', kind: 'bool', defaultValue: 'false', usage: 'use all endpoints from the cluster member list'},
      {name: 'rev', kind: 'int', defaultValue: '0'},
    ],
    // status, hashkv: as etcdctl, one request per endpoint through that endpoint's member.
    async run({flags, io, format, withClient}) {
      const [sub] = flags.positionals
      if (sub === 'status' || sub === 'hashkv') {
        await withClient(async (client) => {
          const endpoints = await endpointsOf(client, isSet(flags, 'cluster'), flag(flags, 'endpoints'))
          // As etcdctl: an endpoint that fails is reported and skipped, and the command exits 1.
          let failure: EtcdError | null = null
          const each = async <T>(what: string, ask: (endpoint: string) => Promise<T>): Promise<T[]> => {
            const results: T[] = []
            for (const endpoint of endpoints) {
              try {
                results.push(await ask(endpoint))
              } catch (error) {
                if (!(error instanceof EtcdError)) throw error
                // Status and HashKV dial the endpoint itself, not through the balancer.
                reportUnreachable(io.stderr, {kind: 'direct', endpoint}, error)
                io.stderr(`Failed to get the ${what} of endpoint ${endpoint} (${clientErrorText(error)})\n`)
                failure = error
              }
            }
            return results
          }
          if (sub === 'status') {
            const results: EndpointStatus[] = await each('status', async (endpoint) => ({endpoint, status: await clientFor(client, endpoint).maintenance.status()}))
            io.stdout(printEndpointStatus(results, format))
          } else {
            const results: EndpointHash[] = await each('hash', async (endpoint) => ({endpoint, ...(await clientFor(client, endpoint).maintenance.hashKv(Number(flag(flags, 'rev'))))}))
            io.stdout(printEndpointHashKv(results, format))
          }
          // etcdctl 3.4: status exits quietly (os.Exit), hashkv repeats its last error (ExitWithError).
          if (failure) throw sub === 'status' ? new ReportedExitError(exitCodes.error) : failure
        })
        return exitCodes.success
      }
      if (sub !== 'health') throw new ExitError(exitCodes.badArgs, `unknown command "${sub ?? ''}" for "etcdctl endpoint"`)
      const results: EndpointHealth[] = []
      try {
        await withClient(async (client) => {
          const endpoints = isSet(flags, 'cluster')
            ? (await client.cluster.memberList()).members.flatMap((member) => member.clientUrls)
            : flag(flags, 'endpoints').split(',')
          for (const endpoint of endpoints) results.push(await checkHealth(client, endpoint, io.stderr))
        })
      } catch (error) {
        // No member behind any endpoint: etcdctl dials each one itself and finds each unhealthy.
        if (!(error instanceof UnreachableEndpointError) || isSet(flags, 'cluster')) throw error
        for (const endpoint of flag(flags, 'endpoints').split(',')) {
          reportUnreachable(io.stderr, {kind: 'balanced', endpoint}, error)
          results.push({endpoint, healthy: false, tookMilliseconds: 0, error: error.message})
        }
      }
      const printed = printEndpointHealth(results, format)
      io.stdout(printed.stdout)
      io.stderr(printed.stderr)
      if (results.some((result) => !result.healthy)) throw new ExitError(exitCodes.error, 'unhealthy cluster')
      return exitCodes.success
    },
  },
}

/** The endpoints a command addresses: --endpoints, or every member's client URL with --cluster. */
export async function endpointsOf(client: EtcdctlClient, cluster: boolean, endpoints: string): Promise<string[]> {
  return cluster ? (await client.cluster.memberList()).members.flatMap((member) => member.clientUrls) : endpoints.split(',')
}

/** A client of the same cluster served by the member behind `endpoint`. */
export function clientFor(client: EtcdctlClient, endpoint: string): EtcdctlClient {
  const name = memberForEndpoint(endpoint)
  if (!name) throw new UnreachableEndpointError()
  return client.forMember(name)
}

/** etcdctl's health probe: a linearizable get of "health" through a client of the endpoint alone. */
async function checkHealth(client: EtcdctlClient, endpoint: string, stderr: (text: string) => void): Promise<EndpointHealth> {
  const started = process.hrtime.bigint()
  const took = () => Number(process.hrtime.bigint() - started) / 1e6
  const name = memberForEndpoint(endpoint)
  try {
    if (!name) throw new UnreachableEndpointError()
    const probe = client.forMember(name, 5000)
    await probe.kv.range({key: new TextEncoder().encode('health')})
    return {endpoint, healthy: true, tookMilliseconds: took(), error: ''}
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error
    reportUnreachable(stderr, {kind: 'balanced', endpoint}, error)
    // As etcdctl: a member that refuses the read for lack of permission answered, so it is healthy.
    if (error.message === etcdErrors.permissionDenied().message) return {endpoint, healthy: true, tookMilliseconds: took(), error: ''}
    return {endpoint, healthy: false, tookMilliseconds: took(), error: error.message}
  }
}
