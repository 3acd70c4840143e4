// apiregistration.k8s.io/v1: the APIServices through which kube-apiserver's aggregator serves each
// group version, locally or from a Service.
import {arrayOf, boolean, bytesField, dateTime, int32, object, string} from '../schema.js'
import {kind} from './meta.js'

export const apiService = kind('v1.APIService', {
  spec: object('v1.APIServiceSpec', {
    service: object('v1.ServiceReference', {namespace: string, name: string, port: int32}),
    group: string,
    version: string,
    insecureSkipTLSVerify: boolean,
    caBundle: bytesField,
    groupPriorityMinimum: int32,
    versionPriority: int32,
  }),
  status: object('v1.APIServiceStatus', {
    conditions: arrayOf(object('v1.APIServiceCondition', {type: string, status: string, lastTransitionTime: dateTime, reason: string, message: string}), {mergeKey: 'type', patchStrategy: 'merge'}),
  }),
})
