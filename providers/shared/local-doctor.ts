import type {DoctorCheck, SecretSnapshot} from '../types.js'

/** Doctor for stores on this machine: can we open and decrypt it, and do we own the paths? */
export async function localDoctor(storeName: string, describe: () => Promise<SecretSnapshot[]>): Promise<DoctorCheck[]> {
  try {
    const snapshots = await describe()
    const checks: DoctorCheck[] = [{check: `open store ${storeName}`, ok: true}]
    for (const s of snapshots.filter((snapshot) => snapshot.exists && !snapshot.owned)) {
      checks.push({
        check: `ownership of ${s.path}`,
        ok: false,
        detail: 'exists without the managed-by: rotor tag',
        hint: 'set `adopt: true` on the secret to let rotor take it over',
      })
    }
    return checks
  } catch (error) {
    return [{check: `open store ${storeName}`, ok: false, detail: (error as Error).message, hint: (error as {hint?: string}).hint}]
  }
}
