import { ElMessage } from 'element-plus';
import { reactive } from 'vue';
import { errorText, fieldErrors } from '../api/errors';

/**
 * One form's submission: `busy` while it runs, then the API's refusal as `error` (in the page's
 * language, for an alert under the form) and `errors` by field (for `<el-form-item :error>`).
 * `run(work)` clears both, runs `work` and answers whether it went through; `toast` also shows
 * the error as a message (for a button without a form around it). `refuse` sets a field's error
 * found before sending (a required field left empty).
 */
export function useSubmit() {
  const state = reactive({
    busy: false,
    error: '',
    errors: {} as Record<string, string>,
    clear() {
      state.error = '';
      state.errors = {};
    },
    refuse(field: string, message: string) {
      state.errors = { ...state.errors, [field]: message };
    },
    async run(work: () => Promise<unknown>, opts: { toast?: boolean } = {}): Promise<boolean> {
      state.clear();
      state.busy = true;
      try {
        await work();
        return true;
      } catch (err) {
        state.errors = fieldErrors(err);
        state.error = errorText(err);
        if (opts.toast) ElMessage.error(state.error);
        return false;
      } finally {
        state.busy = false;
      }
    },
  });
  return state;
}

export type Submit = ReturnType<typeof useSubmit>;
