package org.mofa4j.nn.validation;

import java.util.List;
import java.util.Locale;

/**
 * One bad value handed to one public entry point, and what a clear refusal must say: the argument's name and the
 * value (as fragments of the message), plus a word stating the rule.
 *
 * @param entryPoint e.g. "Tensor.zeros"
 * @param argument   the fragment naming the argument, e.g. "shape" or "lr"
 * @param value      the fragment showing the bad value, e.g. "-3"
 * @param call       the call that must throw
 */
record BadInputCase(String entryPoint, String argument, String value, Call call) {
    /** A call expected to throw. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** Words that state a rule ("must be ≥ 1", "out of range", "expected", "differs", ...). */
    static final List<String> RULE_WORDS = List.of("must", "≥", "≤", " > ", " < ", "in [", "in (", "range", "expected",
            "differ", "does not", "doesn't", "cannot", "can't", "not ", "exceed", "unknown", "only", "mismatch", "need",
            "at least", "at most", "larger", "smaller", "beyond", "no ", "empty", "invalid", "reserved", "outside",
            "positive", "negative", "finite", "too ", "requires", "missing");

    /** Why the thrown exception is not a clear refusal, or null when it is. */
    String problemWith(Throwable thrown) {
        if (thrown == null) {
            return "no exception: the bad value was accepted";
        }
        if (thrown instanceof NullPointerException || thrown instanceof ArrayIndexOutOfBoundsException
                || thrown instanceof NegativeArraySizeException || thrown instanceof ClassCastException
                || thrown instanceof StringIndexOutOfBoundsException || thrown instanceof ArithmeticException) {
            return "a JDK error escaped instead of a refusal: " + thrown;
        }
        String m = thrown.getMessage();
        if (m == null || m.isBlank()) {
            return thrown.getClass().getSimpleName() + " without a message";
        }
        if (!m.contains(argument)) {
            return "the message does not name the argument '" + argument + "': " + m;
        }
        if (!m.contains(value)) {
            return "the message does not show the value '" + value + "': " + m;
        }
        String lower = m.toLowerCase(Locale.ROOT);
        if (RULE_WORDS.stream().noneMatch(lower::contains)) {
            return "the message states no rule: " + m;
        }
        return null;
    }
}
