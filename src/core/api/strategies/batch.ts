// Strategies of batch/v1: Jobs (completions, parallelism, backoff, the generated selector) and
// CronJobs (the schedule's five fields, the name's length).
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {defineStrategy} from './base.js'
import {defaultPodTemplate} from './pod-defaults.js'
import {validatePodTemplate} from './pod-validation.js'
import type {Strategy} from './strategy.js'
import {child, type Json, setDefault, spec} from './json-fields.js'
import {immutableSelector, nonNegative, validateSelector} from './workloads.js'

const specPath = FieldPath.root('spec')

function defaultJobSpec(jobSpec: Json): void {
  if (jobSpec.completions === undefined && jobSpec.parallelism === undefined) {
    jobSpec.completions = 1
    jobSpec.parallelism = 1
  }
  setDefault(jobSpec, 'parallelism', 1)
  setDefault(jobSpec, 'backoffLimit', 6)
  setDefault(jobSpec, 'completionMode', 'NonIndexed')
  setDefault(jobSpec, 'suspend', false)
  setDefault(jobSpec, 'podReplacementPolicy', 'TerminatingOrFailed')
  defaultPodTemplate(jobSpec.template)
}

function validateJobSpec(jobSpec: Json, path: FieldPath, generatedSelector: boolean): FieldError[] {
  const errors: FieldError[] = []
  nonNegative(errors, jobSpec.parallelism, path.child('parallelism'))
  nonNegative(errors, jobSpec.completions, path.child('completions'))
  nonNegative(errors, jobSpec.backoffLimit, path.child('backoffLimit'))
  if (typeof jobSpec.activeDeadlineSeconds === 'number' && jobSpec.activeDeadlineSeconds <= 0) {
    errors.push(fieldError.invalid(path.child('activeDeadlineSeconds'), jobSpec.activeDeadlineSeconds, 'must be greater than or equal to 0'))
  }
  if (generatedSelector) errors.push(...validateSelector(jobSpec, path, 'job'))
  const template = isJsonObject(jobSpec.template) ? jobSpec.template : {}
  const restartPolicy = isJsonObject(template.spec) ? template.spec.restartPolicy : undefined
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errors.push(fieldError.required(path.child('template', 'spec', 'restartPolicy'), 'valid values: "OnFailure", "Never"'))
    const templateSpec = isJsonObject(template.spec) ? {...template.spec, restartPolicy: 'Never'} : {}
    errors.push(...validatePodTemplate({...template, spec: templateSpec}, path.child('template')))
  } else {
    errors.push(...validatePodTemplate(template, path.child('template'), ['OnFailure', 'Never']))
  }
  return errors
}

export const jobStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => defaultJobSpec(spec(object)),
  // The job controller finds its pods by a selector on the job's uid, set here as kube-apiserver does.
  prepareForCreate: (object) => {
    object.status = {}
    const jobSpec = spec(object)
    if (jobSpec.manualSelector === true) return
    const uid = object.metadata.uid ?? ''
    const name = object.metadata.name ?? ''
    const generated = {'batch.kubernetes.io/controller-uid': uid}
    jobSpec.selector = {matchLabels: generated}
    const template = child(jobSpec, 'template')
    const metadata = child(template, 'metadata')
    metadata.labels = {
      ...(metadata.labels as Record<string, string> | undefined),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    }
  },
  validate: (object) => validateJobSpec(spec(object), specPath, true),
  validateUpdate: (object, old) => {
    const errors = validateJobSpec(spec(object), specPath, true)
    errors.push(...immutableSelector(object, old))
    if (!jsonEqual(spec(object).template, spec(old).template) && spec(old).suspend !== true) {
      errors.push(fieldError.invalid(specPath.child('template'), {goString: 'core.PodTemplateSpec{...}'}, 'field is immutable'))
    }
    if (spec(object).completions !== spec(old).completions) {
      errors.push(fieldError.invalid(specPath.child('completions'), (spec(object).completions as number | undefined) ?? null, 'field is immutable'))
    }
    return errors
  },
  fields: (object) => ({'status.successful': String((isJsonObject(object.status) ? object.status.succeeded : 0) ?? 0)}),
})

const cronFieldCount = 5

/** Validates a cron schedule as robfig/cron's standard parser (five fields or a descriptor). */
export function cronScheduleError(schedule: string): string | null {
  const trimmed = schedule.trim()
  if (trimmed.length === 0) return 'empty spec string'
  if (trimmed.startsWith('@')) {
    return ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'].includes(trimmed) || trimmed.startsWith('@every ')
      ? null
      : `unrecognized descriptor: ${trimmed}`
  }
  const fields = trimmed.split(/\s+/)
  const withoutZone = fields[0]!.startsWith('TZ=') || fields[0]!.startsWith('CRON_TZ=') ? fields.slice(1) : fields
  if (withoutZone.length !== cronFieldCount) return `expected exactly 5 fields, found ${withoutZone.length}: ${trimmed}`
  const ranges: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]]
  const names = [null, null, null, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']]
  for (const [index, field] of withoutZone.entries()) {
    const [low, high] = ranges[index]!
    for (const part of field.split(',')) {
      const [rangeText, stepText] = part.split('/')
      if (stepText !== undefined && !/^\d+$/.test(stepText)) return `failed to parse int from ${stepText}: strconv.Atoi: parsing ${JSON.stringify(stepText)}: invalid syntax`
      if (rangeText === '*' || rangeText === '?') continue
      for (const bound of rangeText!.split('-')) {
        const named = names[index]?.indexOf(bound.toLowerCase()) ?? -1
        if (named >= 0) continue
        if (!/^\d+$/.test(bound)) return `failed to parse int from ${bound}: strconv.Atoi: parsing ${JSON.stringify(bound)}: invalid syntax`
        const value = Number(bound)
        if (value < low) return `beginning of range (${value}) below minimum (${low}): ${part}`
        if (value > high) return `end of range (${value}) above maximum (${high}): ${part}`
      }
    }
  }
  return null
}

export const cronJobNameLengthMax = 52

function validateCronJob(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const cronJobSpec = spec(object)
  const name = object.metadata.name ?? ''
  if (name.length > cronJobNameLengthMax) errors.push(fieldError.invalid(FieldPath.root('metadata').child('name'), name, `must be no more than ${cronJobNameLengthMax} characters`))
  const schedule = typeof cronJobSpec.schedule === 'string' ? cronJobSpec.schedule : ''
  if (schedule.length === 0) errors.push(fieldError.required(specPath.child('schedule')))
  else {
    const problem = cronScheduleError(schedule)
    if (problem) errors.push(fieldError.invalid(specPath.child('schedule'), schedule, problem))
  }
  const policy = String(cronJobSpec.concurrencyPolicy ?? '')
  if (!['Allow', 'Forbid', 'Replace'].includes(policy)) errors.push(fieldError.notSupported(specPath.child('concurrencyPolicy'), policy, ['Allow', 'Forbid', 'Replace']))
  nonNegative(errors, cronJobSpec.startingDeadlineSeconds, specPath.child('startingDeadlineSeconds'))
  nonNegative(errors, cronJobSpec.successfulJobsHistoryLimit, specPath.child('successfulJobsHistoryLimit'))
  nonNegative(errors, cronJobSpec.failedJobsHistoryLimit, specPath.child('failedJobsHistoryLimit'))
  const jobTemplate = isJsonObject(cronJobSpec.jobTemplate) ? cronJobSpec.jobTemplate : {}
  errors.push(...validateJobSpec(isJsonObject(jobTemplate.spec) ? jobTemplate.spec : {}, specPath.child('jobTemplate', 'spec'), false))
  return errors
}

export const cronJobStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    const cronJobSpec = spec(object)
    setDefault(cronJobSpec, 'concurrencyPolicy', 'Allow')
    setDefault(cronJobSpec, 'suspend', false)
    setDefault(cronJobSpec, 'successfulJobsHistoryLimit', 3)
    setDefault(cronJobSpec, 'failedJobsHistoryLimit', 1)
    const jobTemplate = child(cronJobSpec, 'jobTemplate')
    const jobSpec = child(jobTemplate, 'spec')
    defaultJobSpec(jobSpec)
  },
  prepareForCreate: (object) => {
    object.status = {}
  },
  validate: validateCronJob,
})
