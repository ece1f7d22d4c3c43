import Glibc
import LinuxIO
import TestSupport
import Testing
import ThreadPool

@Suite("BlockingQueue", .timeLimit(.minutes(3)))
struct BlockingQueueTests {
    @Test("elements come out in the order they went in")
    func fifoOrder() throws {
        let queue = BlockingQueue<Int>()
        for value in 0..<100 { try queue.push(value) }
        #expect(queue.depth == 100)
        var taken: [Int] = []
        for _ in 0..<100 { taken.append(queue.take()!) }
        #expect(taken == Array(0..<100))
        #expect(queue.depth == 0)
        #expect(!queue.isClosed)
    }

    /// Pushing and taking at different rates walks the ring's head around it, so most
    /// growths copy a wrapped-around ring; the order must survive every one of them.
    @Test("growing beyond the initial capacity keeps the order", arguments: [-3, 0, 1, 2, 3, 7, 64])
    func growthKeepsOrder(initialCapacity: Int) throws {
        let queue = BlockingQueue<Int>(initialCapacity: initialCapacity)
        var next = 0
        var expected = 0
        for _ in 0..<200 {
            for _ in 0..<3 {
                try queue.push(next)
                next += 1
            }
            for _ in 0..<2 {
                #expect(queue.take() == expected)
                expected += 1
            }
        }
        #expect(queue.depth == next - expected)
        queue.close()
        while let value = queue.take() {
            #expect(value == expected)
            expected += 1
        }
        #expect(expected == next)
    }

    @Test("elements pushed before close are still taken, then nil")
    func closeKeepsQueuedElements() throws {
        let queue = BlockingQueue<String>()
        try queue.push("a")
        try queue.push("b")
        try queue.push("c")
        queue.close()
        #expect(queue.isClosed)
        #expect(queue.depth == 3)
        #expect(queue.take() == "a")
        #expect(queue.take() == "b")
        #expect(queue.take() == "c")
        #expect(queue.take() == nil)
        #expect(queue.take() == nil)
    }

    @Test("push after close throws Closed carrying the element")
    func pushAfterCloseThrows() {
        let queue = BlockingQueue<Int>()
        queue.close()
        queue.close()  // closing twice is harmless
        do throws(BlockingQueue<Int>.Closed) {
            try queue.push(42)
            Issue.record("push after close did not throw")
        } catch {
            #expect(error.element == 42)
        }
        #expect(queue.depth == 0)
        #expect(queue.take() == nil)
    }

    @Test("close wakes a sleeping taker, which gets nil")
    func closeWakesSleepingTaker() throws {
        let queue = BlockingQueue<Int>()
        let result = Locked<Int??>(.none)
        let done = Flag()
        let taker = try JoinableThread(name: "taker") {
            let value = queue.take()
            result.withLock { $0 = .some(value) }
            done.set()
        }
        usleep(100_000)
        #expect(!done.isSet, "take() on an empty open queue returned without waiting")
        queue.close()
        #expect(eventually { done.isSet }, "close() did not wake the sleeping taker")
        if done.isSet { taker.join() }
        #expect(result.value == .some(nil))
    }

    @Test("close wakes every sleeping taker")
    func closeWakesAllTakers() throws {
        let takers = 4
        let queue = BlockingQueue<Int>()
        let woke = Counter()
        let gotNil = Counter()
        var threads: [JoinableThread] = []
        for index in 0..<takers {
            threads.append(try JoinableThread(name: "taker-\(index)") {
                if queue.take() == nil { gotNil.increment() }
                woke.increment()
            })
        }
        usleep(100_000)
        #expect(woke.value == 0)
        queue.close()
        #expect(eventually { woke.value == takers })
        if woke.value == takers { for thread in threads { thread.join() } }
        #expect(gotNil.value == takers)
    }

    @Test("a push wakes a sleeping taker with the element")
    func pushWakesSleepingTaker() throws {
        let queue = BlockingQueue<Int>()
        let result = Locked<Int?>(nil)
        let done = Flag()
        let taker = try JoinableThread(name: "taker") {
            let value = queue.take()
            result.withLock { $0 = value }
            done.set()
        }
        usleep(50_000)
        #expect(!done.isSet)
        try queue.push(7)
        #expect(eventually { done.isSet }, "push() did not wake the sleeping taker")
        if done.isSet { taker.join() }
        #expect(result.value == 7)
        queue.close()
    }

    /// Producers push distinct numbers while consumers take them; every number must be taken
    /// exactly once, and each consumer must see each producer's numbers in pushed order.
    @Test("many producers and many consumers: every element taken exactly once", arguments: [(4, 4), (1, 8), (8, 1)])
    func multiProducerMultiConsumer(producers: Int, consumers: Int) throws {
        let perProducer = 5_000
        let total = producers * perProducer
        let queue = BlockingQueue<Int>(initialCapacity: 4)
        let takenCounts = Locked([Int](repeating: 0, count: total))
        let outOfOrder = Counter()
        let consumersDone = Counter()
        var consumerThreads: [JoinableThread] = []
        for index in 0..<consumers {
            consumerThreads.append(try JoinableThread(name: "consumer-\(index)") {
                var lastSeen = [Int](repeating: -1, count: producers)
                var mine: [Int] = []
                while let value = queue.take() {
                    let producer = value / perProducer
                    if value <= lastSeen[producer] { outOfOrder.increment() }
                    lastSeen[producer] = value
                    mine.append(value)
                }
                takenCounts.withLock { counts in
                    for value in mine { counts[value] += 1 }
                }
                consumersDone.increment()
            })
        }
        let refused = Counter()
        let produced = try runThreads(producers, name: "producer") { producer in
            for offset in 0..<perProducer {
                do {
                    try queue.push(producer * perProducer + offset)
                } catch {
                    refused.increment()
                }
            }
        }
        #expect(produced)
        queue.close()
        #expect(eventually(within: 10) { consumersDone.value == consumers })
        if consumersDone.value == consumers { for thread in consumerThreads { thread.join() } }
        #expect(refused.value == 0)
        #expect(outOfOrder.value == 0)
        let counts = takenCounts.value
        #expect(counts.allSatisfy { $0 == 1 })
        #expect(counts.reduce(0, +) == total)
        #expect(queue.depth == 0)
    }
}
