import { t } from '../i18n/index.ts'

/** QA dashboard: filled in by the QA issue (SPEC §7). */
export function QaHome() {
  return (
    <main>
      <h1>{t('qa.title')}</h1>
      <p class="card">{t('qa.placeholder')}</p>
    </main>
  )
}

/** Network admin: filled in by the admin issue. */
export function AdminHome() {
  return (
    <main>
      <h1>{t('admin.title')}</h1>
      <p class="card">{t('admin.placeholder')}</p>
    </main>
  )
}
