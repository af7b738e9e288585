/** Network admin (docs/admin-api.md): a lazily loaded chunk, so the tablet's first load does not grow. */
import { Tabs } from '../../components/data.tsx'
import { ChannelsPage } from './channels.tsx'
import { t } from '../../i18n/index.ts'
import { FacilitiesPage, TravelPage } from './facilities.tsx'
import { GrantsPage } from './grants.tsx'
import { AuditPage, ImportPage, ReadinessPage, SettingsPage } from './misc.tsx'
import { RotaPage, TemplatePage } from './rota.tsx'
import { UsersPage } from './users.tsx'
import { WhatIfPage } from './what-if.tsx'

const PAGES = {
  facilities: FacilitiesPage,
  travel: TravelPage,
  users: UsersPage,
  rota: RotaPage,
  template: TemplatePage,
  readiness: ReadinessPage,
  settings: SettingsPage,
  import: ImportPage,
  audit: AuditPage,
  whatif: WhatIfPage,
  channels: ChannelsPage,
  grants: GrantsPage,
} as const
type Tab = keyof typeof PAGES

export default function AdminApp(props: { path: string }) {
  const seg = props.path.split('/')[2] ?? ''
  const tab: Tab = seg in PAGES ? (seg as Tab) : 'facilities'
  const Page = PAGES[tab]
  return (
    <main>
      <h1>{t('admin.title')}</h1>
      <Tabs
        current={`/admin/${tab}`}
        tabs={(Object.keys(PAGES) as Tab[]).map((k) => [`/admin/${k}`, t(`admin.tab.${k}`)])}
      />
      <Page />
    </main>
  )
}
