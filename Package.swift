// swift-tools-version:6.2
import PackageDescription

/// Strict settings applied to every target of ours: Swift 6 mode and no warnings.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "bulk-update",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bulk-update", targets: ["bulk-update"]),
        .library(name: "Planner", targets: ["Planner"]),
        .library(name: "BulkUpdate", targets: ["BulkUpdate"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
    ],
    targets: [
        .target(
            name: "Planner",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "BulkUpdate",
            dependencies: ["Planner", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "Sandbox",
            dependencies: [.product(name: "FlyingFox", package: "FlyingFox")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "bulk-update",
            dependencies: [
                "Planner", "BulkUpdate", "Sandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Benchmarks",
            dependencies: ["Planner", "BulkUpdate", "Sandbox"],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Planner", "BulkUpdate", "Sandbox"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlannerTests",
            dependencies: ["Planner", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkUpdateTests", dependencies: ["BulkUpdate", "TestSupport"], exclude: ["Reports/Golden"],
            swiftSettings: strict),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "Planner", "BulkUpdate", "Sandbox"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
    ]
)
