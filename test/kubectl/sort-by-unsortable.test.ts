// kubectl get --sort-by where kubectl 1.32's sorter cannot order the values or finds no field,
// beside the real kubectl: a bool, map or list, or values of two types (a Service's targetPort
// as a number and a name), stop the process with klog's F line (sorter.go, the sorted type named)
// and exit 1; a path no object has is an error for object output and prints no rows for a table;
// several answers (kinds or named objects) are sorted as whole Table objects.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'


/** Ages, addresses, names and versions two runs cannot share, and klog's time and process id. */
const masked = (text: string) =>
  text
    .replace(/^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1MMDD TIME PID ')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UID')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'TIME')
    .replace(/(resourceVersion"?: "?)\d+/g, '$1RV')
    .replace(/ {2}\d+s$/gm, '  AGE')

describe.runIf(existsSync(realKubectl))('kubectl get --sort-by on values kubectl cannot order, as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const line of ['create deployment web --image=nginx --replicas=2', 'create service clusterip a --tcp=80:80', 'create service clusterip b --tcp=80:http']) {
      expect((await cluster.ours(line)).status).toBe(0)
    }
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const lines: Array<[string, number]> = [
    ['get pods --sort-by=.spec.enableServiceLinks', 1],
    ['get pods --sort-by=.metadata.labels', 1],
    ['get pods --sort-by=.spec.containers -o yaml', 1],
    ['get pods --sort-by=.spec.enableServiceLinks -o json', 1],
    ['get svc --sort-by=.spec.ports[0].targetPort', 1],
    ['get svc --sort-by=.spec.ports[0].targetPort -o name', 1],
    ['get pods,svc --sort-by=.rows', 1],
    ['get svc --sort-by=.nothere', 0],
    ['get pods --sort-by=.nothere -o json', 1],
    ['get deploy --sort-by=.nothere -o name', 1],
    ['get deploy web --sort-by=.nothere -o name', 0],
    ['get pods,svc --sort-by=.kind', 0],
    ['get pods,svc --sort-by=.metadata.name', 1],
    ['get svc a kubernetes --sort-by=.metadata.name', 1],
    ['get cm,svc -n kube-public --sort-by=.metadata.name', 1],
    ['get svc --sort-by=.metadata.name', 0],
    ['get pods --sort-by=.spec.terminationGracePeriodSeconds', 0],
  ]
  for (const [line, status] of lines) {
    it(`ends the same for: kubectl ${line}`, async () => {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect({status: ours.status, stdout: masked(ours.stdout), stderr: masked(ours.stderr)}).toEqual({status: theirs.status, stdout: masked(theirs.stdout), stderr: masked(theirs.stderr)})
      expect(theirs.status).toBe(status)
    }, 30_000)
  }
})
