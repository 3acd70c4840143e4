// The printers of pods and workloads (kube's pkg/printers/internalversion): pods with their
// READY, STATUS (init progress, waiting and terminated reasons, Terminating) and RESTARTS cells,
// then deployments, replica sets, replication controllers, stateful sets, daemon sets, jobs, cron jobs, controller
// revisions and pod templates.
import {formatLabels} from '../../api/field-text.js'
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {labelSelectorFromObject, formatLabelSelector, type LabelSelectorObject} from '../../api/selectors.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {age, ageColumn, type Cell, column, nameColumn, type Printer, since} from './table.js'
import {humanDuration} from '../../util/go-duration.js'

type Json = Record<string, unknown>
const record = (value: unknown): Json => (isJsonObject(value) ? value : {})
const count = (value: unknown): number => (typeof value === 'number' ? value : 0)

function containerNamesAndImages(podSpec: Json): [string, string] {
  const containers = objects(podSpec.containers)
  return [containers.map((container) => str(container.name)).join(','), containers.map((container) => str(container.image)).join(',')]
}

function selectorText(selector: unknown): string {
  if (!isJsonObject(selector)) return '<none>'
  const text = formatLabelSelector(labelSelectorFromObject(selector as LabelSelectorObject))
  return text.length === 0 ? '<none>' : text
}

function templateSpec(object: KubeObject): Json {
  return record(record(record(object.spec).template).spec)
}

const isRestartableInit = (container: Json | undefined) => container?.restartPolicy === 'Always'

function podRow(pod: KubeObject, now: number): Cell[] {
  const spec = record(pod.spec)
  const status = record(pod.status)
  const phase = str(status.phase)
  let reason = str(status.reason) || phase
  for (const condition of objects(status.conditions)) if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated'
  const initContainers = new Map(objects(spec.initContainers).map((container) => [str(container.name), container]))
  let readyContainers = 0
  let restarts = 0
  let restartableRestarts = 0
  let lastRestart = 0
  let lastRestartableRestart = 0
  const terminatedAt = (container: Json) => {
    const terminated = record(record(container.lastState).terminated)
    return typeof terminated.finishedAt === 'string' ? Date.parse(terminated.finishedAt) : 0
  }
  let initializing = false
  const initStatuses = objects(status.initContainerStatuses)
  for (let index = 0; index < initStatuses.length; index++) {
    const container = initStatuses[index]!
    restarts += count(container.restartCount)
    lastRestart = Math.max(lastRestart, terminatedAt(container))
    const restartable = isRestartableInit(initContainers.get(str(container.name)))
    if (restartable) {
      restartableRestarts += count(container.restartCount)
      lastRestartableRestart = Math.max(lastRestartableRestart, terminatedAt(container))
    }
    const state = record(container.state)
    const terminated = isJsonObject(state.terminated) ? state.terminated : null
    const waiting = isJsonObject(state.waiting) ? state.waiting : null
    if (terminated && count(terminated.exitCode) === 0) continue
    if (restartable && container.started === true) {
      if (container.ready === true) readyContainers++
      continue
    }
    if (terminated) {
      if (str(terminated.reason).length === 0) reason = count(terminated.signal) !== 0 ? `Init:Signal:${count(terminated.signal)}` : `Init:ExitCode:${count(terminated.exitCode)}`
      else reason = `Init:${str(terminated.reason)}`
    } else if (waiting && str(waiting.reason).length > 0 && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`
    } else {
      reason = `Init:${index}/${initContainers.size}`
    }
    initializing = true
    break
  }
  const initialized = objects(status.conditions).some((condition) => condition.type === 'Initialized' && condition.status === 'True')
  if (!initializing || initialized) {
    restarts = restartableRestarts
    lastRestart = lastRestartableRestart
    let hasRunning = false
    const statuses = objects(status.containerStatuses)
    for (let index = statuses.length - 1; index >= 0; index--) {
      const container = statuses[index]!
      restarts += count(container.restartCount)
      lastRestart = Math.max(lastRestart, terminatedAt(container))
      const state = record(container.state)
      const waiting = isJsonObject(state.waiting) ? state.waiting : null
      const terminated = isJsonObject(state.terminated) ? state.terminated : null
      if (waiting && str(waiting.reason).length > 0) reason = str(waiting.reason)
      else if (terminated && str(terminated.reason).length > 0) reason = str(terminated.reason)
      else if (terminated) reason = count(terminated.signal) !== 0 ? `Signal:${count(terminated.signal)}` : `ExitCode:${count(terminated.exitCode)}`
      else if (container.ready === true && isJsonObject(state.running)) {
        hasRunning = true
        readyContainers++
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = objects(status.conditions).some((condition) => condition.type === 'Ready' && condition.status === 'True')
      reason = ready ? 'Running' : 'NotReady'
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown'
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating'
  const totalContainers = objects(spec.containers).length + [...initContainers.values()].filter(isRestartableInit).length
  const restartsText = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts)
  const podIps = objects(status.podIPs)
  const podIp = podIps.length > 0 ? str(podIps[0]!.ip) : ''
  const gates = objects(spec.readinessGates)
  let readinessGates = '<none>'
  if (gates.length > 0) {
    const trueConditions = gates.filter((gate) => objects(status.conditions).some((condition) => condition.type === gate.conditionType && condition.status === 'True')).length
    readinessGates = `${trueConditions}/${gates.length}`
  }
  return [
    pod.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsText,
    age(pod, now),
    podIp || '<none>',
    str(spec.nodeName) || '<none>',
    str(status.nominatedNodeName) || '<none>',
    readinessGates,
  ]
}

export const podPrinter: Printer = {
  columns: [
    nameColumn,
    column('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    column('IP', 'string', 1, 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    column('Node', 'string', 1, 'NodeName is a request to schedule this pod onto a specific node.'),
    column('Nominated Node', 'string', 1, 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
    column('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  row: podRow,
}

const workloadWide = [column('Containers', 'string', 1, 'Names of each container in the template.'), column('Images', 'string', 1, 'Images referenced by each container in the template.'), column('Selector', 'string', 1, 'Label selector for pods.')]

function wideCells(object: KubeObject): Cell[] {
  const [names, images] = containerNamesAndImages(templateSpec(object))
  return [names, images, selectorText(record(object.spec).selector)]
}

export const deploymentPrinter: Printer = {
  columns: [nameColumn, column('Ready', 'string', 0, 'Number of the pod with ready state'), column('Up-to-date', 'integer', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'), column('Available', 'integer', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), ageColumn, ...workloadWide],
  row: (object, now) => {
    const status = record(object.status)
    const desired = count(record(object.spec).replicas)
    return [object.metadata.name ?? '', `${count(status.readyReplicas)}/${desired}`, count(status.updatedReplicas), count(status.availableReplicas), age(object, now), ...wideCells(object)]
  },
}

export const replicaSetPrinter: Printer = {
  columns: [nameColumn, column('Desired', 'integer', 0, 'Replicas is the number of desired replicas.'), column('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'), column('Ready', 'integer', 0, 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'), ageColumn, ...workloadWide],
  row: (object, now) => {
    const status = record(object.status)
    return [object.metadata.name ?? '', count(record(object.spec).replicas), count(status.replicas), count(status.readyReplicas), age(object, now), ...wideCells(object)]
  },
}

export const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 0, 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    column('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    column('Ready', 'integer', 0, 'The number of ready replicas for this replication controller.'),
    ageColumn,
    workloadWide[0]!,
    workloadWide[1]!,
    column('Selector', 'string', 1, 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
  ],
  row: (object, now) => {
    const status = record(object.status)
    const [names, images] = containerNamesAndImages(templateSpec(object))
    return [object.metadata.name ?? '', count(record(object.spec).replicas), count(status.replicas), count(status.readyReplicas), age(object, now), names, images, formatLabels(record(object.spec).selector)]
  },
}

export const statefulSetPrinter: Printer = {
  columns: [nameColumn, column('Ready', 'string', 0, 'Number of the pod with ready state'), ageColumn, workloadWide[0]!, workloadWide[1]!],
  row: (object, now) => {
    const [names, images] = containerNamesAndImages(templateSpec(object))
    return [object.metadata.name ?? '', `${count(record(object.status).readyReplicas)}/${count(record(object.spec).replicas)}`, age(object, now), names, images]
  },
}

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    column('Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 0, 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    column('Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', 0, 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageColumn,
    ...workloadWide,
  ],
  row: (object, now) => {
    const status = record(object.status)
    return [
      object.metadata.name ?? '',
      count(status.desiredNumberScheduled),
      count(status.currentNumberScheduled),
      count(status.numberReady),
      count(status.updatedNumberScheduled),
      count(status.numberAvailable),
      formatLabels(templateSpec(object).nodeSelector),
      age(object, now),
      ...wideCells(object),
    ]
  },
}

const hasCondition = (object: KubeObject, type: string) => objects(record(object.status).conditions).some((condition) => condition.type === type && condition.status === 'True')

export const jobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', 0, 'Status of the job.'),
    column('Completions', 'string', 0, 'The completion status of the job.'),
    column('Duration', 'string', 0, 'Time required to complete the job.'),
    ageColumn,
    ...workloadWide,
  ],
  row: (object, now) => {
    const spec = record(object.spec)
    const status = record(object.status)
    const succeeded = count(status.succeeded)
    let completions: string
    if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`
    else if (typeof spec.parallelism !== 'number') completions = `${succeeded}/1`
    else if (spec.parallelism > 1) completions = `${succeeded}/1 of ${spec.parallelism}`
    else completions = `${succeeded}/1`
    let duration = ''
    if (typeof status.startTime === 'string') {
      const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : now
      duration = humanDuration(end - Date.parse(status.startTime))
    }
    let state = 'Running'
    if (hasCondition(object, 'Complete')) state = 'Complete'
    else if (hasCondition(object, 'Failed')) state = 'Failed'
    else if (object.metadata.deletionTimestamp) state = 'Terminating'
    else if (hasCondition(object, 'Suspended')) state = 'Suspended'
    else if (hasCondition(object, 'FailureTarget')) state = 'FailureTarget'
    else if (hasCondition(object, 'SuccessCriteriaMet')) state = 'SuccessCriteriaMet'
    return [object.metadata.name ?? '', state, completions, duration, age(object, now), ...wideCells(object)]
  },
}

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Schedule', 'string', 0, 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 0, 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'boolean', 0, 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    column('Active', 'integer', 0, 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 0, 'Information when was the last time the job was successfully scheduled.'),
    ageColumn,
    ...workloadWide,
  ],
  row: (object, now) => {
    const spec = record(object.spec)
    const status = record(object.status)
    const jobSpec = record(record(spec.jobTemplate).spec)
    const [names, images] = containerNamesAndImages(record(record(jobSpec.template).spec))
    return [
      object.metadata.name ?? '',
      str(spec.schedule),
      str(spec.timeZone) || '<none>',
      spec.suspend === undefined ? '<unset>' : spec.suspend === true ? 'True' : 'False',
      objects(status.active).length,
      typeof status.lastScheduleTime === 'string' ? since(status.lastScheduleTime, now) : '<none>',
      age(object, now),
      names,
      images,
      selectorText(jobSpec.selector),
    ]
  },
}

export const controllerRevisionPrinter: Printer = {
  columns: [nameColumn, column('Controller', 'string', 0, 'Controller of the object.'), column('Revision', 'integer', 0, 'Revision indicates the revision of the state represented by Data.'), ageColumn],
  row: (object, now) => {
    const owner = (object.metadata.ownerReferences ?? []).find((reference) => reference.controller === true)
    let controller = '<none>'
    if (owner) {
      const group = owner.apiVersion.includes('/') ? owner.apiVersion.slice(0, owner.apiVersion.indexOf('/')) : ''
      controller = `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`
    }
    return [object.metadata.name ?? '', controller, count(object.revision), age(object, now)]
  },
}

export const podTemplatePrinter: Printer = {
  columns: [nameColumn, column('Containers', 'string', 0, 'Names of each container in the template.'), column('Images', 'string', 0, 'Images referenced by each container in the template.'), column('Pod Labels', 'string', 0, 'The labels for the pod template.')],
  row: (object) => {
    const template = record(object.template)
    const [names, images] = containerNamesAndImages(record(template.spec))
    return [object.metadata.name ?? '', names, images, formatLabels(record(template.metadata).labels)]
  },
}
