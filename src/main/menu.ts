// The application menu: File > Quit, View > Reload / Toggle DevTools. Nothing else yet.
import { Menu, type MenuItemConstructorOptions } from 'electron'

export function installAppMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: [{ role: 'quit' }] },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }] },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
