'use client';

import { api } from '../lib/client/api';

export function SignOutButton() {
  async function signOut() {
    try {
      await api('/api/v1/logout', { method: 'POST' });
    } finally {
      window.location.assign('/login');
    }
  }
  return (
    <button type="button" onClick={signOut} className="rounded border border-slate-300 px-2 py-1 text-slate-700 hover:bg-slate-100">
      Sign out
    </button>
  );
}
