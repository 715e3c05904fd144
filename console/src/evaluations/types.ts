import type { Ok } from '../api/types';

export type Campaign = Ok<'/api/v1/evaluations/{id}'>;
export type Results = Ok<'/api/v1/evaluations/{id}/results'>;
export type Ranking = Ok<'/api/v1/evaluations/{id}/ranking'>;
export type Subject = Results['compounds'][number];
export type Company = Ok<'/api/v1/property-companies'>['items'][number];
export const CAMPAIGN_STATUSES = ['scheduled', 'open', 'closed', 'cancelled'] as const;

export function campaignStatusType(status: string): 'primary' | 'success' | 'warning' | 'info' {
  if (status === 'open') return 'primary';
  if (status === 'closed') return 'success';
  if (status === 'cancelled') return 'info';
  return 'warning';
}
