/**
 * A panel shown or hidden as the user last chose (localStorage), unless the URL says (`?NAME=0|1`, for
 * a wall screen's bookmark). Storage may be unavailable (kiosk or privacy mode): then shown, unremembered.
 */
export function initiallyOpen(param: string, storageKey: string): boolean {
  const p = new URLSearchParams(location.search).get(param);
  if (p === '0') return false;
  if (p === '1') return true;
  try {
    return localStorage.getItem(storageKey) !== 'closed';
  } catch {
    return true;
  }
}

export function rememberOpen(storageKey: string, open: boolean): void {
  try {
    localStorage.setItem(storageKey, open ? 'open' : 'closed');
  } catch {
    /* storage may be unavailable */
  }
}
