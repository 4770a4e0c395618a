package dev.ksim.dsl.internal;

import dev.ksim.engine.model.Diagnostic;
import dev.ksim.engine.model.ScenarioException;
import dev.ksim.engine.model.SourceRef;
import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovyCodeSource;
import java.util.ArrayList;
import java.util.List;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.customizers.ImportCustomizer;
import org.codehaus.groovy.control.messages.ExceptionMessage;
import org.codehaus.groovy.control.messages.Message;
import org.codehaus.groovy.control.messages.SimpleMessage;
import org.codehaus.groovy.control.messages.SyntaxErrorMessage;
import org.codehaus.groovy.syntax.SyntaxException;

/**
 * Compiles a scenario script once into a class extending the given script base class. The
 * class carries the script's file name as its source file, so stack frames name the script
 * and {@link Locator} can find lines. Compilation errors become located diagnostics
 * ({@code file:line: syntax error at column C: message}, {@code file:line: message (column C)}) without Groovy's decoration.
 */
public final class ScriptCompiler {
    private ScriptCompiler() {
    }

    /**
     * @param text           script source
     * @param scriptFileName the file's own name (last path segment), used as the class's source file
     * @param displayName    the file as the user named it, for diagnostics
     * @param baseClass      script base class
     * @param loader         the loader to define the class in (closed by the caller)
     */
    public static Class<?> compile(String text, String scriptFileName, String displayName, Class<?> baseClass,
                                   ClassLoader parent, List<GroovyClassLoader> opened) {
        CompilerConfiguration config = new CompilerConfiguration();
        config.setScriptBaseClass(baseClass.getName());
        config.setSourceEncoding("UTF-8");
        ImportCustomizer imports = new ImportCustomizer();
        imports.addImports("dev.ksim.dsl.Size", "dev.ksim.dsl.TimeSpan", "dev.ksim.dsl.Bandwidth");
        config.addCompilationCustomizers(imports);
        GroovyClassLoader gcl = new GroovyClassLoader(parent, config);
        opened.add(gcl);
        GroovyCodeSource source = new GroovyCodeSource(text, scriptFileName, "/groovy/ksim/scenario");
        source.setCachable(false);
        try {
            return gcl.parseClass(source, false);
        } catch (MultipleCompilationErrorsException e) {
            throw new ScenarioException(diagnostics(e, displayName, (int) text.lines().count()));
        } catch (CompilationFailedException e) {
            throw new ScenarioException(new SourceRef(displayName, 0), clean(e.getMessage()));
        }
    }

    static List<Diagnostic> diagnostics(MultipleCompilationErrorsException e, String displayName, int lineCount) {
        List<Diagnostic> out = new ArrayList<>();
        for (Message m : e.getErrorCollector().getErrors()) {
            if (m instanceof SyntaxErrorMessage sem) {
                SyntaxException se = sem.getCause();
                String text = unexpected(clean(se.getOriginalMessage()));
                int line = Math.max(se.getLine(), 0);
                if (line > lineCount && text.startsWith("unexpected input")) {
                    out.add(new Diagnostic(new SourceRef(displayName, line),
                            "syntax error: unexpected end of the script; a closing '}' or ')' may be missing"));
                    continue;
                }
                int column = se.getStartColumn();
                String message = text.startsWith("unexpected")
                        ? "syntax error" + (column > 0 ? " at column " + column : "") + ": " + text
                        : text + (column > 0 ? " (column " + column + ")" : "");
                out.add(new Diagnostic(new SourceRef(displayName, line), message));
            } else if (m instanceof ExceptionMessage em) {
                Exception cause = em.getCause();
                out.add(new Diagnostic(new SourceRef(displayName, 0), clean(cause.getMessage() == null ? cause.toString() : cause.getMessage())));
            } else if (m instanceof SimpleMessage sm) {
                out.add(new Diagnostic(new SourceRef(displayName, 0), clean(sm.getMessage())));
            }
        }
        if (out.isEmpty()) {
            out.add(new Diagnostic(new SourceRef(displayName, 0), "the script does not compile"));
        }
        return out;
    }

    /**
     * The parser quotes everything from the start of the enclosing statement up to the bad token,
     * escaped newlines included; keep only its last line, which ends at the bad token.
     */
    static String unexpected(String message) {
        String prefix = "Unexpected input: '";
        if (!message.startsWith(prefix) || !message.endsWith("'")) {
            return message;
        }
        String snippet = message.substring(prefix.length(), message.length() - 1);
        String[] parts = snippet.split("\\\\[rn]");
        String last = "";
        for (String part : parts) {
            if (!part.isBlank()) {
                last = part.strip();
            }
        }
        return last.isEmpty() ? "unexpected input" : "unexpected input: '" + last + "'";
    }

    /** Drops Groovy's "startup failed:" header, source echoes and trailing "@ line" decorations. */
    static String clean(String message) {
        if (message == null) {
            return "the script does not compile";
        }
        String s = message.replace("startup failed:", "").trim();
        int nl = s.indexOf('\n');
        if (nl >= 0) {
            s = s.substring(0, nl).trim();
        }
        s = s.replaceAll("\\s*@ line \\d+, column \\d+\\.?$", "");
        s = s.replaceAll("^[^:\\s]+\\.groovy: \\d+: ", "");
        return s.isEmpty() ? "the script does not compile" : s;
    }
}
