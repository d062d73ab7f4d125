"""t2t-bleu: corpus BLEU of a translation file against a reference file, with sacreBLEU.

t2t-bleu --translation=test.de.decodes --reference=test.de
"""

from absl import app, flags

from t2t_lite_bin import cli

flags.DEFINE_string("translation", None, "Translations, one per line.")
flags.DEFINE_string("reference", None, "References, one per line, aligned with --translation.")
flags.DEFINE_string("tokenize", "13a", "sacreBLEU tokenizer (13a, intl, zh, char, none, ...).")
FLAGS = flags.FLAGS


def main(argv):
    cli.check_args(argv, "translation", "reference")

    import sacrebleu

    from t2t_lite.errors import DataError
    from t2t_lite.utils.text_lines import read_lines

    translations = read_lines(FLAGS.translation, "--translation")
    references = read_lines(FLAGS.reference, "--reference")
    if len(translations) != len(references):
        raise DataError(
            f"--translation={FLAGS.translation} has {len(translations)} lines but "
            f"--reference={FLAGS.reference} has {len(references)}"
        )
    if FLAGS.tokenize not in sacrebleu.BLEU.TOKENIZERS:
        raise app.UsageError(
            f"--tokenize={FLAGS.tokenize}: choose one of {', '.join(sacrebleu.BLEU.TOKENIZERS)}"
        )
    for label, lowercase in (("cased", False), ("uncased", True)):
        metric = sacrebleu.BLEU(lowercase=lowercase, tokenize=FLAGS.tokenize)
        score = metric.corpus_score(translations, [references])
        print(f"BLEU_{label} = {score.score:.2f}  ({score})")
        print(f"  signature: {metric.get_signature()}")


def run():
    cli.run(main)


if __name__ == "__main__":
    run()
