/**
 * The age and rules gate: before the first chat on a device, the user confirms being
 * 18 or older and accepting the rules (one checkbox), remembered in localStorage.
 */
export const AGE_KEY = 'parley.ageConfirmed';

type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function ageConfirmed(store: Store | null): boolean {
  try {
    return store?.getItem(AGE_KEY) === '1';
  } catch {
    return false; // storage blocked: ask again, never assume
  }
}

export function confirmAge(store: Store | null): void {
  try {
    store?.setItem(AGE_KEY, '1');
  } catch {
    // Storage blocked: the confirmation holds for this page only.
  }
}

export function browserStore(): Store | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
