// The widget preview, in the widget page's iframe
// (/admin/settings/widget/preview): opens the real widget when asked and
// tells the settings page the preview is drawn, with which values. An ES
// module; it needs nothing of the admin pages.
let done = false;
const ready = () => {
  if (done) return;
  done = true;
  if (document.body.dataset.open === '1' && window.Portico) window.Portico.open();
  if (window.frameElement) window.frameElement.dataset.previewReady = location.search;
};
document.addEventListener('portico:ready', ready);
if (document.querySelector('portico-chat')) ready();
