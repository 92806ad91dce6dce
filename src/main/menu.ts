// The application menu: File > Open Deployment… / Open Recent / Quit, View > Reload / Toggle
// DevTools. Opening goes through the same Studio session the renderer drives, so the window
// follows through its `deployment-status` events.
import { Menu, type MenuItemConstructorOptions } from 'electron'

export interface AppMenuActions {
  /** Shows the open dialog and opens the chosen deploy config. */
  readonly openDeployment: () => void
  readonly openRecent: (file: string) => void
  /** Recently opened deploy configs, newest first. */
  readonly recent: readonly string[]
  /** Whether View offers Toggle DevTools (see devtools.ts). */
  readonly devTools: boolean
}

export function installAppMenu(actions: AppMenuActions): void {
  const recent: MenuItemConstructorOptions[] =
    actions.recent.length === 0
      ? [{ label: 'No Recent Deployments', enabled: false }]
      : actions.recent.map((file) => ({ label: file, click: () => actions.openRecent(file) }))
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'Open Deployment…',
          accelerator: 'CmdOrCtrl+O',
          click: () => actions.openDeployment(),
        },
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(actions.devTools ? [{ role: 'toggleDevTools' } as const] : []),
      ],
    },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
