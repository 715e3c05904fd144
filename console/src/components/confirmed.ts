import { ElMessageBox } from 'element-plus';

/**
 * Asks before a step that cannot be taken back (unbind, remove, merge, cancel, publish): true when
 * the person confirmed, false when they cancelled or closed the box. `buttons` names the two
 * buttons (Element Plus's own words otherwise).
 */
export async function confirmed(
  message: string,
  title: string,
  buttons?: { confirm: string; cancel: string },
): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      ...(buttons ? { confirmButtonText: buttons.confirm, cancelButtonText: buttons.cancel } : {}),
    });
    return true;
  } catch {
    return false;
  }
}
