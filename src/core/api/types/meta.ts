// meta/v1 types shared by every kind: ObjectMeta, LabelSelector, OwnerReference, Status.
import {anyValue, arrayOf, boolean, dateTime, int32, int64, mapOf, object, string, stringMap, type ObjectSchema, type Schema} from '../schema.js'

export const ownerReference = object('v1.OwnerReference', {
  apiVersion: string,
  kind: string,
  name: string,
  uid: string,
  controller: boolean,
  blockOwnerDeletion: boolean,
})

export const managedFieldsEntry = object('v1.ManagedFieldsEntry', {
  manager: string,
  operation: string,
  apiVersion: string,
  time: dateTime,
  fieldsType: string,
  fieldsV1: anyValue,
  subresource: string,
})

export const objectMeta = object('v1.ObjectMeta', {
  name: string,
  generateName: string,
  namespace: string,
  selfLink: string,
  uid: string,
  resourceVersion: string,
  generation: int64,
  creationTimestamp: dateTime,
  deletionTimestamp: dateTime,
  deletionGracePeriodSeconds: int64,
  labels: stringMap,
  annotations: stringMap,
  ownerReferences: arrayOf(ownerReference, {mergeKey: 'uid', patchStrategy: 'merge'}),
  finalizers: arrayOf(string, {patchStrategy: 'merge'}),
  managedFields: arrayOf(managedFieldsEntry),
})

export const listMeta = object('v1.ListMeta', {
  selfLink: string,
  resourceVersion: string,
  continue: string,
  remainingItemCount: int64,
})

export const labelSelectorRequirement = object('v1.LabelSelectorRequirement', {
  key: string,
  operator: string,
  values: arrayOf(string),
})

export const labelSelector = object('v1.LabelSelector', {
  matchLabels: stringMap,
  matchExpressions: arrayOf(labelSelectorRequirement),
})

export const condition = object('v1.Condition', {
  type: string,
  status: string,
  observedGeneration: int64,
  lastTransitionTime: dateTime,
  reason: string,
  message: string,
})

/** A top-level kind: apiVersion, kind, metadata, then its own fields. */
export function kind(goType: string, fields: Record<string, Schema>): ObjectSchema {
  return object(goType, {kind: string, apiVersion: string, metadata: objectMeta, ...fields})
}

export const statusDetails = object('v1.StatusDetails', {
  name: string,
  group: string,
  kind: string,
  uid: string,
  causes: arrayOf(object('v1.StatusCause', {reason: string, message: string, field: string})),
  retryAfterSeconds: int32,
})

export const deleteOptions = kind('v1.DeleteOptions', {
  gracePeriodSeconds: int64,
  preconditions: object('v1.Preconditions', {uid: string, resourceVersion: string}),
  orphanDependents: boolean,
  propagationPolicy: string,
  dryRun: arrayOf(string),
})

export const annotationsOnly: Schema = mapOf(string)
