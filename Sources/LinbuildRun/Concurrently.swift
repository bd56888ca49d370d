import Foundation

/// Questions to upstreams asked all at once, each on its own thread, waited for until a
/// deadline: a hung upstream costs at most the timeout, and its question is left out of the
/// answers (the caller says it was not answered).
public enum Concurrently {
    public static func answers<Question: Hashable & Sendable, Answer: Sendable>(
        _ questions: Set<Question>, timeout: Double, ask: @escaping @Sendable (Question) -> Answer
    ) -> [Question: Answer] {
        let box = Box<Question, Answer>()
        let group = DispatchGroup()
        for question in questions {
            group.enter()
            Thread {
                box.set(question, ask(question))
                group.leave()
            }.start()
        }
        _ = group.wait(timeout: .now() + timeout + 0.5)
        return box.all
    }

    private final class Box<Question: Hashable, Answer>: @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [Question: Answer] = [:]
        func set(_ question: Question, _ answer: Answer) { lock.withLock { answers[question] = answer } }
        var all: [Question: Answer] { lock.withLock { answers } }
    }
}
