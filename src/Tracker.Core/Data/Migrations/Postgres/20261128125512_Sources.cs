using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Tracker.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Sources : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "LineageSyncedAt",
                table: "Models",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "Day",
                table: "CollectionRuns",
                type: "date",
                nullable: false,
                defaultValue: new DateOnly(1, 1, 1));

            migrationBuilder.AddColumn<DateTime>(
                name: "DeferredUntil",
                table: "CollectionRuns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "CollectionRuns",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateTable(
                name: "DerivativeCounts",
                columns: table => new
                {
                    ModelId = table.Column<long>(type: "bigint", nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    CollectedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Finetune = table.Column<long>(type: "bigint", nullable: true),
                    Quantized = table.Column<long>(type: "bigint", nullable: true),
                    Adapter = table.Column<long>(type: "bigint", nullable: true),
                    Merge = table.Column<long>(type: "bigint", nullable: true),
                    Total = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DerivativeCounts", x => new { x.ModelId, x.Day });
                    table.ForeignKey(
                        name: "FK_DerivativeCounts_Models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Derivatives",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    BaseModelId = table.Column<long>(type: "bigint", nullable: false),
                    RepoId = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    RepoKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Relation = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Downloads30d = table.Column<long>(type: "bigint", nullable: true),
                    DownloadsAllTime = table.Column<long>(type: "bigint", nullable: true),
                    Likes = table.Column<long>(type: "bigint", nullable: true),
                    FirstSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Derivatives", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Derivatives_Models_BaseModelId",
                        column: x => x.BaseModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "HttpCache",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Value = table.Column<byte[]>(type: "bytea", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HttpCache", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "Repos",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FullName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    RepoKey = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    GitHubId = table.Column<long>(type: "bigint", nullable: true),
                    FamilyId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Owner = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Archived = table.Column<bool>(type: "boolean", nullable: false),
                    MovedTo = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PushedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FirstSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    GoneSince = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    NextCheckAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LatestDay = table.Column<DateOnly>(type: "date", nullable: true),
                    Stars = table.Column<int>(type: "integer", nullable: true),
                    Forks = table.Column<int>(type: "integer", nullable: true),
                    Watchers = table.Column<int>(type: "integer", nullable: true),
                    OpenIssues = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Repos", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Releases",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RepoId = table.Column<long>(type: "bigint", nullable: false),
                    GitHubReleaseId = table.Column<long>(type: "bigint", nullable: false),
                    Tag = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    PublishedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Prerelease = table.Column<bool>(type: "boolean", nullable: false),
                    AssetDownloads = table.Column<long>(type: "bigint", nullable: false),
                    FirstSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Releases", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Releases_Repos_RepoId",
                        column: x => x.RepoId,
                        principalTable: "Repos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RepoSnapshots",
                columns: table => new
                {
                    RepoId = table.Column<long>(type: "bigint", nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    CollectedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Stars = table.Column<int>(type: "integer", nullable: false),
                    Forks = table.Column<int>(type: "integer", nullable: false),
                    Watchers = table.Column<int>(type: "integer", nullable: false),
                    OpenIssues = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RepoSnapshots", x => new { x.RepoId, x.Day });
                    table.ForeignKey(
                        name: "FK_RepoSnapshots_Repos_RepoId",
                        column: x => x.RepoId,
                        principalTable: "Repos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CollectionRuns_Source_Kind_Org_Day",
                table: "CollectionRuns",
                columns: new[] { "Source", "Kind", "Org", "Day" });

            migrationBuilder.CreateIndex(
                name: "IX_Derivatives_BaseModelId_CreatedAt",
                table: "Derivatives",
                columns: new[] { "BaseModelId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Derivatives_BaseModelId_RepoKey",
                table: "Derivatives",
                columns: new[] { "BaseModelId", "RepoKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Releases_PublishedAt",
                table: "Releases",
                column: "PublishedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Releases_RepoId_GitHubReleaseId",
                table: "Releases",
                columns: new[] { "RepoId", "GitHubReleaseId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Repos_FamilyId",
                table: "Repos",
                column: "FamilyId");

            migrationBuilder.CreateIndex(
                name: "IX_Repos_RepoKey",
                table: "Repos",
                column: "RepoKey",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DerivativeCounts");

            migrationBuilder.DropTable(
                name: "Derivatives");

            migrationBuilder.DropTable(
                name: "HttpCache");

            migrationBuilder.DropTable(
                name: "Releases");

            migrationBuilder.DropTable(
                name: "RepoSnapshots");

            migrationBuilder.DropTable(
                name: "Repos");

            migrationBuilder.DropIndex(
                name: "IX_CollectionRuns_Source_Kind_Org_Day",
                table: "CollectionRuns");

            migrationBuilder.DropColumn(
                name: "LineageSyncedAt",
                table: "Models");

            migrationBuilder.DropColumn(
                name: "Day",
                table: "CollectionRuns");

            migrationBuilder.DropColumn(
                name: "DeferredUntil",
                table: "CollectionRuns");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "CollectionRuns");
        }
    }
}
