import { browser } from 'wxt/browser';

// The DevTools page only adds the panel; all work happens in panel.html.
void browser.devtools.panels.create('Wirescope', '/icon/32.png', '/panel.html');
