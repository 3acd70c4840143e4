// Annotations kubemu's control plane writes beyond Kubernetes' own, shared with kubectl's describe.

/** The scheduler's last attempt for a pod: each node's filter verdict and scores (JSON). */
export const lastAttemptAnnotation = 'scheduler.kubemu.io/last-attempt'
