// autoscaling kinds: HorizontalPodAutoscaler in v2 (the storage version) and v1, with the Go
// structs' field order.
import {arrayOf, dateTime, int32, int64, object, quantity, string} from '../schema.js'
import {kind, labelSelector} from './meta.js'

const crossVersionObjectReference = (version: string) => object(`${version}.CrossVersionObjectReference`, {kind: string, name: string, apiVersion: string})
const metricIdentifier = object('v2.MetricIdentifier', {name: string, selector: labelSelector})
const metricTarget = object('v2.MetricTarget', {type: string, value: quantity, averageValue: quantity, averageUtilization: int32})
const metricValueStatus = object('v2.MetricValueStatus', {value: quantity, averageValue: quantity, averageUtilization: int32})
const scalingRules = object('v2.HPAScalingRules', {
  stabilizationWindowSeconds: int32,
  selectPolicy: string,
  policies: arrayOf(object('v2.HPAScalingPolicy', {type: string, value: int32, periodSeconds: int32})),
})

export const metricSpec = object('v2.MetricSpec', {
  type: string,
  object: object('v2.ObjectMetricSource', {describedObject: crossVersionObjectReference('v2'), target: metricTarget, metric: metricIdentifier}),
  pods: object('v2.PodsMetricSource', {metric: metricIdentifier, target: metricTarget}),
  resource: object('v2.ResourceMetricSource', {name: string, target: metricTarget}),
  containerResource: object('v2.ContainerResourceMetricSource', {name: string, target: metricTarget, container: string}),
  external: object('v2.ExternalMetricSource', {metric: metricIdentifier, target: metricTarget}),
})

export const metricStatus = object('v2.MetricStatus', {
  type: string,
  object: object('v2.ObjectMetricStatus', {metric: metricIdentifier, current: metricValueStatus, describedObject: crossVersionObjectReference('v2')}),
  pods: object('v2.PodsMetricStatus', {metric: metricIdentifier, current: metricValueStatus}),
  resource: object('v2.ResourceMetricStatus', {name: string, current: metricValueStatus}),
  containerResource: object('v2.ContainerResourceMetricStatus', {name: string, current: metricValueStatus, container: string}),
  external: object('v2.ExternalMetricStatus', {metric: metricIdentifier, current: metricValueStatus}),
})

export const horizontalPodAutoscalerCondition = object('v2.HorizontalPodAutoscalerCondition', {type: string, status: string, lastTransitionTime: dateTime, reason: string, message: string})

export const horizontalPodAutoscalerV2 = kind('v2.HorizontalPodAutoscaler', {
  spec: object('v2.HorizontalPodAutoscalerSpec', {
    scaleTargetRef: crossVersionObjectReference('v2'),
    minReplicas: int32,
    maxReplicas: int32,
    metrics: arrayOf(metricSpec),
    behavior: object('v2.HorizontalPodAutoscalerBehavior', {scaleUp: scalingRules, scaleDown: scalingRules}),
  }),
  status: object('v2.HorizontalPodAutoscalerStatus', {
    observedGeneration: int64,
    lastScaleTime: dateTime,
    currentReplicas: int32,
    desiredReplicas: int32,
    currentMetrics: arrayOf(metricStatus),
    conditions: arrayOf(horizontalPodAutoscalerCondition, {mergeKey: 'type', patchStrategy: 'merge'}),
  }),
})

export const horizontalPodAutoscalerV1 = kind('v1.HorizontalPodAutoscaler', {
  spec: object('v1.HorizontalPodAutoscalerSpec', {
    scaleTargetRef: crossVersionObjectReference('v1'),
    minReplicas: int32,
    maxReplicas: int32,
    targetCPUUtilizationPercentage: int32,
  }),
  status: object('v1.HorizontalPodAutoscalerStatus', {
    observedGeneration: int64,
    lastScaleTime: dateTime,
    currentReplicas: int32,
    desiredReplicas: int32,
    currentCPUUtilizationPercentage: int32,
  }),
})
