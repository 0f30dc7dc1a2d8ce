// "Somebody holds this record's lease": one definition for instances and concurrency slots.

export interface Leased {
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

/** True while a runner (or a control operation) holds the lease: an owner is set and it has not expired. */
export function leaseIsLive(record: Leased, now: number): boolean {
  return record.leaseOwner !== null && record.leaseExpiresAt !== null && record.leaseExpiresAt > now;
}
