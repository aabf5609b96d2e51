// Photos are made smaller on the device before they are kept or sent: the longest side at most 2048 px, JPEG.
// A phone's 12-megapixel photo (4032 × 3024, 3–5 MB) becomes 2048 × 1536 and a few hundred KB: quicker to send
// on a weak signal, and several fit in the browser's storage as a draft. The server re-encodes every photo anyway.

export const MAX_SIDE = 2048;
const QUALITY = 0.85;

function jpegName(name) {
  return `${(name || 'foto').replace(/\.[^.]+$/, '')}.jpg`;
}

async function decode(file) {
  try {
    return await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    return null; // a format this browser cannot draw (e.g. HEIC): kept as it is, the server decides
  }
}

export async function downscale(file) {
  const bitmap = await decode(file);
  if (!bitmap) return file;
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.type === 'image/jpeg') { bitmap.close(); return file; }
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff'; // transparent PNG areas become white, not black, in a JPEG
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => { canvas.toBlob(resolve, 'image/jpeg', QUALITY); });
  return blob ? new File([blob], jpegName(file.name), { type: 'image/jpeg', lastModified: file.lastModified }) : file;
}

// Photos kept in a draft go back into the file input when the draft is opened again.
export function putFiles(input, files) {
  if (typeof DataTransfer !== 'function') return false;
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file instanceof File ? file : new File([file], 'foto.jpg', { type: file.type }));
  input.files = transfer.files;
  return true;
}
