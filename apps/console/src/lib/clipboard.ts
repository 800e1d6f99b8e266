/**
 * Copies text. The Clipboard API exists only in secure contexts (HTTPS or localhost); a console
 * reached over plain HTTP on an internal network falls back to the older copy command.
 */
export async function copyText(value: string, doc: Document = document): Promise<boolean> {
	const clipboard = doc.defaultView?.navigator.clipboard;
	if (clipboard) {
		try {
			await clipboard.writeText(value);
			return true;
		} catch {
			// Refused (no permission, document not focused): the copy command may still work.
		}
	}
	const area = doc.createElement("textarea");
	area.value = value;
	area.setAttribute("readonly", "");
	area.style.position = "fixed";
	area.style.opacity = "0";
	doc.body.append(area);
	area.select();
	try {
		return doc.execCommand("copy");
	} catch {
		return false;
	} finally {
		area.remove();
	}
}
