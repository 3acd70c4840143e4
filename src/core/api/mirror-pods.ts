// Mirror pods: the API's copy of a kubelet's static pod, marked by the kubelet with the static
// pod's hash. The API server admits them from nodes, and drain leaves them alone.

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror'

export function isMirrorPod(pod: {metadata: {annotations?: Record<string, string>}}): boolean {
  return pod.metadata.annotations?.[mirrorPodAnnotation] !== undefined
}
