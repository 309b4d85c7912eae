import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classificationReport, confusionMatrix } from '../lib/eval/metrics';

test('confusion matrix rows are true labels, columns predictions', () => {
  const m = confusionMatrix([0, 0, 1, 2], [0, 1, 1, 1], 3);
  assert.equal(m, [
    [1, 1, 0],
    [0, 1, 0],
    [0, 1, 0],
  ]);
});

test('precision, recall, F1, support and macro averages', () => {
  const r = classificationReport([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]);
  assert.is(r.accuracy, 4 / 6);
  assert.equal(r.perClass[0], { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  assert.equal(r.perClass[1], { precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
  assert.equal(r.perClass[2], { precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
  assert.equal(r.perClass[5], { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.ok(Math.abs(r.macro.recall - (0.5 + 1 + 2 / 3) / 10) < 1e-12);
  assert.throws(() => confusionMatrix([1], [1, 2]), /1 labels but 2 predictions/);
});

test.run();
